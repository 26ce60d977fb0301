"""Run a server where only its owner can reach it: a private network namespace behind a Unix socket.

``kg serve`` puts a token-checking proxy in front of Oxigraph's server, which has no access control
of its own. Were Oxigraph to listen on a loopback TCP port, any local user who found the port could
write to a writable server without the token, or skip the proxy's limits. So the Oxigraph server
runs in a *network namespace of its own* (Linux user namespaces, no privilege needed): its loopback
is invisible from the machine. The only way in is a Unix socket in a folder that only the owner can
open (mode 0700), which this module forwards to the server inside the namespace.

Run as ``python -m kg.server.sandbox SOCKET -- COMMAND...``; ``COMMAND`` must listen on
:data:`INNER_ADDRESS`. Exit code :data:`UNAVAILABLE` means the machine does not allow unprivileged
user namespaces (some containers): :mod:`kg.server.gateway` then falls back to a loopback port and says so.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["INNER_ADDRESS", "UNAVAILABLE", "enter_private_network", "main"]

#: Where the sandboxed server listens, inside its namespace (the same for every sandbox).
INNER_ADDRESS = ("127.0.0.1", 7878)
#: Exit code when this machine does not allow an unprivileged network namespace.
UNAVAILABLE = 17

_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


def enter_private_network() -> None:
    """Move this process into new user and network namespaces and bring their loopback up.

    Raises ``OSError`` when the kernel or a container policy refuses unprivileged namespaces.
    """
    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"unshare: {os.strerror(code)}")
    # Map our own user to root in the namespace: the capability to configure its network.
    for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
        try:
            Path(f"/proc/self/{name}").write_text(text)
        except FileNotFoundError:  # old kernels have no setgroups file
            if name != "setgroups":
                raise
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH14x", b"lo", 0)
        import fcntl

        flags = struct.unpack("16sH14x", fcntl.ioctl(probe, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, _SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | _IFF_UP))


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(1 << 16):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock, how in ((sink, socket.SHUT_WR), (source, socket.SHUT_RD)):
            try:
                sock.shutdown(how)
            except OSError:
                pass


def _relay(client: socket.socket) -> None:
    try:
        server = socket.create_connection(INNER_ADDRESS, timeout=30)
    except OSError:
        client.close()
        return
    server.settimeout(None)
    back = threading.Thread(target=_pump, args=(server, client), daemon=True)
    back.start()
    _pump(client, server)
    back.join()
    client.close()
    server.close()


def main(argv: list[str] | None = None) -> int:
    """``SOCKET -- COMMAND...``: enter a private network, start COMMAND, relay SOCKET to it."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[1] != "--":
        print("usage: python -m kg.server.sandbox SOCKET -- COMMAND...", file=sys.stderr)
        return 2
    path, command = Path(args[0]), args[2:]
    try:
        enter_private_network()
    except OSError as exc:
        print(f"kg.server.sandbox: no private network namespace here ({exc})", file=sys.stderr)
        return UNAVAILABLE if exc.errno in {errno.EPERM, errno.EACCES, errno.EINVAL, errno.ENOSPC, None} else 1
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(64)

    def stop(_signum: int, _frame: object) -> None:
        process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=lambda: (process.wait(), listener.shutdown(socket.SHUT_RDWR)), daemon=True).start()
    try:
        while process.poll() is None:
            try:
                client, _ = listener.accept()
            except OSError:
                break
            threading.Thread(target=_relay, args=(client,), daemon=True).start()
    finally:
        listener.close()
        if process.poll() is None:
            process.terminate()
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
