# tests/tools/free_port.sh: free_port, a free TCP port on loopback. Sourced (not run)
# by tests/e2e/lib.sh, tests/tools/demo.sh and tests/bench/run.sh.
#
# Why python: bash cannot bind a socket, and guessing a number (or parsing ss/netstat)
# collides with the other test runs sharing the machine. Binding to port 0 lets the
# kernel choose an unused port; we print it and close. Another process could take the
# port before the caller binds it: a small race the tests accept.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}
