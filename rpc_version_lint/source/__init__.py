"""Reading the code: which files, from the working tree, a git revision or
another directory (``files``), and which tree is the baseline
(``baseline``)."""
