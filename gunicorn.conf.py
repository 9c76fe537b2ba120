"""gunicorn settings for production; each can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The access log's first column is the client's address behind TRUSTED_PROXY_COUNT proxies.
logger_class = "insop_portal.gunicorn_logging.ClientAddressLogger"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
