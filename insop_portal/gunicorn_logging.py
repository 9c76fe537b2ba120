"""gunicorn's access log with the client's address (client_address_in(), behind
TRUSTED_PROXY_COUNT proxies) in its first column instead of the proxy's. gunicorn.conf.py names it."""

from gunicorn.glogging import Logger


class ClientAddressLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # Imported here: gunicorn loads this class before Django's settings are configured.
        from core.client_address import client_address_in

        atoms["h"] = client_address_in(environ) or atoms["h"]
        return atoms
