"""The reference for benchmark B2: a bare WSGI app that runs the SQL the API's list runs, and encodes
the rows with orjson. No framework, no serializers, no checks: what the hardware and driver allow.

The SQL comes from bench/api_bench.py in the BENCH_SQL environment variable (JSON list of statements).
"""

import json
import os

import orjson
import psycopg

STATEMENTS = json.loads(os.environ["BENCH_SQL"])
_connection = None


def connection():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def application(environ, start_response):
    results = []
    with connection().cursor() as cursor:
        for statement in STATEMENTS:
            cursor.execute(statement)
            columns = [column.name for column in cursor.description]
            results = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    body = orjson.dumps({"results": results}, default=str)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
