"""Real temporary git repositories for the scenario tests (no mocks)."""

from __future__ import annotations

import os
import shutil
import subprocess


class Repo:
    def __init__(self, path):
        self.path = str(path)
        os.makedirs(self.path, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Scenario Test")
        self.git("config", "user.email", "scenario@example.invalid")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path,
                              capture_output=True, text=True, timeout=60)
        if proc.returncode:
            raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
        return proc.stdout.strip()

    def put(self, *trees: str) -> None:
        """Replace the work tree by the given trees, later ones on top."""
        for name in os.listdir(self.path):
            if name != ".git":
                target = os.path.join(self.path, name)
                if os.path.isdir(target):
                    shutil.rmtree(target)
                else:
                    os.remove(target)
        for tree in trees:
            # fresh timestamps: fixture files of the same size and time
            # would look unchanged to git's stat cache
            shutil.copytree(tree, self.path, dirs_exist_ok=True,
                            copy_function=shutil.copy,
                            ignore=shutil.ignore_patterns("README.md",
                                                          "__pycache__"))

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")
