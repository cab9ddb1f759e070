"""Client side of the fleet RPC API: an example with upgrade bugs.

Run ``rpc-version-lint examples/fleet`` to see what the checker says.
"""

import oslo_messaging as messaging
from oslo_config import cfg

CONF = cfg.CONF


class FleetAPI(object):
    '''Client side of the fleet RPC API

    API version history:

        * 5.0 - Initial version of the 5.x series
        * 5.1 - Add spec to start_host()
        * 6.0 - Remove 5.x compatibility
        * 6.1 - Add reboot to evacuate_host()
    '''

    VERSION_ALIASES = {
        'alder': '5.0',
        'birch': '5.1',
        'cedar': '6.0',
    }

    def __init__(self):
        target = messaging.Target(topic='fleet', version='6.0')
        version_cap = self.VERSION_ALIASES.get(CONF.upgrade_levels.fleet,
                                               CONF.upgrade_levels.fleet)
        self.client = messaging.get_rpc_client(None, target,
                                               version_cap=version_cap)

    def _pick(self, old):
        if self.client.can_send_version('6.0'):
            return '6.0'
        return old

    def start_host(self, ctxt, host, spec):
        # the 5.x fallback of this message was removed from the server
        version = self._pick('5.1')
        cctxt = self.client.prepare(server=host, version=version)
        cctxt.cast(ctxt, 'start_host', spec=spec)

    def evacuate_host(self, ctxt, host, reboot=False):
        # 6.2 does not exist yet: the manager is at 6.1
        cctxt = self.client.prepare(server=host, version='6.2')
        cctxt.cast(ctxt, 'evacuate_host', host=host, reboot=reboot)

    def drain_host(self, ctxt, host):
        # '6.x' is not a version oslo.messaging can compare
        cctxt = self.client.prepare(server=host, version='6.x')
        return cctxt.call(ctxt, 'drain_host')

    def resize_host(self, ctxt, host, flavor):
        # the manager renamed this argument to new_flavor
        cctxt = self.client.prepare(server=host, version='6.1')
        cctxt.cast(ctxt, 'resize_host', flavor=flavor)
