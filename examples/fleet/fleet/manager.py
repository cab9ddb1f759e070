"""Server side of the fleet RPC API (6.x only: the 5.x proxy is gone)."""

import oslo_messaging as messaging


class FleetManager(object):

    target = messaging.Target(version='6.1')

    def start_host(self, context, spec):
        pass

    def evacuate_host(self, context, host, reboot=False):
        pass

    def drain_host(self, context):
        pass

    def resize_host(self, context, new_flavor):
        pass
