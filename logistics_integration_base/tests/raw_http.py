"""One HTTP request written on a socket, for what client libraries never send.

A Content-Length the body does not have, a chunked body, header bytes as
they are: the tests of the suite's endpoints use it to prove a refusal comes
before the body is read.
"""

import socket


def raw_http(port, head, body=b"", timeout=10):
    """(status, header text, body) of one request to 127.0.0.1:`port`.

    `head` is the request line and headers, without the final empty line;
    the connection is closed by the server after its answer.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    header_text, _sep, content = received.partition(b"\r\n\r\n")
    status = int(header_text.split(b" ", 2)[1])
    return status, header_text.decode("latin-1"), content
