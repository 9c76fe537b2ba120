"""A time limit on the SQL statements of web requests (PostgreSQL), so that an expensive query nobody
foresaw is stopped instead of holding a connection and a core for good."""

from django.conf import settings
from django.db import connection


class StatementTimeoutMiddleware:
    """A time limit on every SQL statement a request runs (PostgreSQL), shorter for anonymous visitors:
    the next expensive query nobody thought of is stopped instead of holding a connection and a core.

    The limit is set just before the request's first statement (a request that reads nothing opens no
    connection) and only when it differs from what the connection already has (persistent connections
    keep it), so most requests pay nothing. A statement stopped by it is a 503 that says so
    (DatabaseUnavailableMiddleware). A view may raise its own request's limit (statement_timeout_set).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        with connection.execute_wrapper(_FirstStatement(request)):
            return self.get_response(request)


class _FirstStatement:
    def __init__(self, request):
        self.request = request
        self.state = "waiting"

    def __call__(self, execute, sql, params, many, context):
        if self.state == "waiting":
            self.state = "deciding"  # reading the session below runs statements of its own
            try:
                signed_in = self.request.user.is_authenticated
                statement_timeout_set(
                    settings.STATEMENT_TIMEOUT_SIGNED_IN if signed_in else settings.STATEMENT_TIMEOUT_ANONYMOUS,
                    cursor=context["cursor"].cursor,
                )
            finally:
                self.state = "set"
        return execute(sql, params, many, context)


def statement_timeout_set(seconds: float, *, cursor=None) -> None:
    """Limit the statements of this connection to `seconds` (0: no limit), unless already so."""
    if connection.vendor != "postgresql":
        return
    milliseconds = int(seconds * 1000)
    connection.ensure_connection()
    state = (id(connection.connection), milliseconds)
    if getattr(connection, "_insop_statement_timeout", None) == state:
        return
    # Inside a transaction, a rollback would undo the setting: it is set again next time.
    remembered = None if connection.in_atomic_block else state
    query = "SELECT set_config('statement_timeout', %s, false)"
    if cursor is not None:
        cursor.execute(query, [f"{milliseconds}ms"])
    else:
        with connection.cursor() as own:
            own.execute(query, [f"{milliseconds}ms"])
    connection._insop_statement_timeout = remembered
