"""gunicorn settings, read by every gunicorn started in this folder (make run, the README's production command,
the browser tests, the benchmarks).

gunicorn 25+ opens a control socket by default at $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl: a
file in the home folder, one path for every instance on the machine. It stays off unless a path is given:
GUNICORN_CONTROL_SOCKET=/run/adsheet/gunicorn.ctl (then `gunicornc -s that-path` manages the instance).
"""
import os

_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
