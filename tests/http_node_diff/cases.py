# SPDX-License-Identifier: MIT
"""The corpus of the differential test: raw requests sent alike to Node's http.Server and to
nodexx's (run.py), and the table of known, deliberate differences.

A case is a dict: `name`; `requests`, a list of raw byte strings sent back to back on one
connection (pipelined when there are several; each one's method tells the parser whether its
response has a body); and optionally `split` (send in writes of this many bytes), `responses`
(how many responses to wait for, default one per request), `after_continue` (bytes sent once
the server answered "100 Continue"), `wait` (seconds before giving up when the server neither
answers nor closes: for requests that are incomplete on purpose), `timeouts` (sent to the
servers with short deadlines), `probe` (False: after the responses, wait for the server to
close instead of sending the probe request).
"""

# Sent once every expected response has arrived, to learn whether the connection still serves
# requests (a response) or was closed (EOF or reset): no timing involved.
PROBE = b"GET /probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"
PROBE_ANSWER = b"not found: GET /probe"  # the body both handlers answer the probe with

CASES = []


def case(name, *requests, **options):
    CASES.append(dict(name=name, requests=[r if isinstance(r, bytes) else r.encode("latin-1")
                                           for r in requests], **options))


def req(method="GET", target="/", version="HTTP/1.1", headers=(("Host", "x"),), body=b"",
        cl=None):
    """A request from its parts; `cl` adds a Content-Length of that value (True: the body's)."""
    lines = [f"{method} {target} {version}"] + [f"{k}: {v}" for k, v in headers]
    if cl is not None:
        lines.append(f"Content-Length: {len(body) if cl is True else cl}")
    if isinstance(body, str):
        body = body.encode("latin-1")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


H = ("Host", "x")
CHUNKED = ("Transfer-Encoding", "chunked")
CLOSE = ("Connection", "close")
KEEP = ("Connection", "keep-alive")


def post(body, *headers, target="/echo", cl=True, version="HTTP/1.1"):
    return req("POST", target, version, (H,) + headers, body, cl)


def chunked(body, *headers, target="/echo"):
    return req("POST", target, "HTTP/1.1", (H, CHUNKED) + headers, body)


# -- normal requests ------------------------------------------------------------------------------
case("get-root", req())
case("get-query", req(target="/echo?a=1&b=%20"))
case("get-fragment", req(target="/echo#frag"))
case("get-not-found", req(target="/missing"))
case("get-double-slash", req(target="//echo"))
case("get-dot-segments", req(target="/a/../echo"))
case("get-percent-dots", req(target="/%2e%2e/echo"))
case("get-long-target-8k", req(target="/echo?" + "q" * 8000))
case("get-with-body-cl", req("GET", "/echo", headers=(H,), body="hello", cl=True))
case("get-with-cl-zero", req("GET", "/echo", headers=(H,), cl=0))
case("get-chunked-body", req("GET", "/echo", headers=(H, CHUNKED), body="3\r\nabc\r\n0\r\n\r\n"))
case("head-root", req("HEAD"))
case("head-not-found", req("HEAD", "/missing"))
case("post-cl", post("hello"))
case("post-cl-zero", post(""))
case("post-cl-leading-zeros", post("hello", cl="005"))
case("post-no-length", post("", cl=None))
case("post-binary-body", post(bytes(range(256))))
case("put-cl", req("PUT", "/echo", headers=(H,), body="put", cl=True))
case("patch-cl", req("PATCH", "/echo", headers=(H,), body="patch", cl=True))
case("delete", req("DELETE", "/echo"))
case("options-root", req("OPTIONS", "/"))
case("options-asterisk", req("OPTIONS", "*"))
case("get-asterisk", req("GET", "*"))
case("trace", req("TRACE", "/echo"))
case("method-propfind", req("PROPFIND", "/echo"))
case("method-purge", req("PURGE", "/echo"))
case("method-query", req("QUERY", "/echo"))
case("method-search", req("SEARCH", "/echo"))
case("absolute-form", req(target="http://example.com/echo?x=1"))
case("absolute-form-https", req(target="https://example.com:8443/"))
case("authority-form-get", req(target="example.com:80"))
case("host-missing-http11", req(headers=()))
case("host-duplicate", req(headers=(H, ("Host", "y"))))
case("host-invalid-chars", req(headers=(("Host", "a b"),)))
case("host-absolute-form-mismatch", req(target="http://example.com/echo", headers=(("Host", "y"),)))
case("host-missing-http10", req(version="HTTP/1.0", headers=()))
case("host-empty", req(headers=(("Host", ""),)))

# -- chunked request bodies ---------------------------------------------------------------------
case("chunked-two-chunks", chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"))
case("chunked-empty", chunked("0\r\n\r\n"))
case("chunked-upper-hex", chunked("A\r\n0123456789\r\n0\r\n\r\n"))
case("chunked-leading-zeros", chunked("0005\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext", chunked("5;name=value\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-quoted", chunked('5;name="v a"\r\nhello\r\n0\r\n\r\n'))
case("chunked-ext-bare", chunked("5;ext\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-two", chunked("5;a=1;b=2\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-value-then-bare", chunked("5;a=1;b\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-space-before-semicolon", chunked("5 ;a=1\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-on-last", chunked("5\r\nhello\r\n0;end=1\r\n\r\n"))
case("chunked-ext-ctl", chunked("5;a\x01\r\nhello\r\n0\r\n\r\n"))
case("chunked-trailer", chunked("5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"))
case("chunked-trailer-two", chunked("5\r\nhello\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n"))
case("chunked-trailer-content-length", chunked("5\r\nhello\r\n0\r\nContent-Length: 9\r\n\r\n"))
case("chunked-trailer-obs-fold", chunked("5\r\nhello\r\n0\r\nX-A: 1\r\n 2\r\n\r\n"))
case("chunked-size-not-hex", chunked("zz\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-negative", chunked("-5\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-overflow", chunked("FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-0x", chunked("0x5\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-trailing-space", chunked("5 \r\nhello\r\n0\r\n\r\n"))
case("chunked-size-trailing-tab", chunked("5\t\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-leading-space", chunked(" 5\r\nhello\r\n0\r\n\r\n"))
case("chunked-size-empty", chunked("\r\nhello\r\n0\r\n\r\n"))
case("chunked-data-too-long", chunked("5\r\nhelloXX\r\n0\r\n\r\n"))
case("chunked-missing-crlf-after-data", chunked("5\r\nhello0\r\n\r\n"))
case("chunked-bare-lf", chunked("5\nhello\n0\n\n"))
case("chunked-bare-lf-after-data", chunked("5\r\nhello\n0\r\n\r\n"))
case("chunked-bare-cr-in-size", chunked("5\rX\r\nhello\r\n0\r\n\r\n"))
case("chunked-ext-empty", chunked("5;\r\nhello\r\n0\r\n\r\n"))
case("chunked-trailer-bare-lf", chunked("5\r\nhello\r\n0\r\nX-T: 1\n\r\n"))
case("chunked-trailer-space-before-colon", chunked("5\r\nhello\r\n0\r\nX-T : 1\r\n\r\n"))
case("chunked-trailer-te", chunked("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"))
case("chunked-size-many-leading-zeros", chunked("00000000000000000005\r\nhello\r\n0\r\n\r\n"))
case("chunked-last-chunk-zeros", chunked("5\r\nhello\r\n000\r\n\r\n"))
case("chunked-incomplete", chunked("5\r\nhel"), wait=1.5)
case("chunked-no-last-chunk", chunked("5\r\nhello\r\n"), wait=1.5)

# -- Transfer-Encoding and Content-Length conflicts ---------------------------------------------
BODY5 = "5\r\nhello\r\n0\r\n\r\n"
case("te-uppercase-chunked", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "CHUNKED")),
                                 body=BODY5))
case("te-chunked-twice", req("POST", "/echo",
                             headers=(H, ("Transfer-Encoding", "chunked, chunked")), body=BODY5))
case("te-gzip-chunked", req("POST", "/echo",
                            headers=(H, ("Transfer-Encoding", "gzip, chunked")), body=BODY5))
case("te-chunked-gzip", req("POST", "/echo",
                            headers=(H, ("Transfer-Encoding", "chunked, gzip")), body=BODY5))
case("te-two-fields", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "gzip"), CHUNKED),
                          body=BODY5))
case("te-identity", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "identity")),
                        body="hello"))
case("te-unknown", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "foo")), body="hello"))
case("te-empty", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "")), body="hello"))
case("te-space-before-colon", req("POST", "/echo", headers=(H, ("Transfer-Encoding ", "chunked")),
                                  body=BODY5))
case("te-vertical-tab", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "\x0bchunked")),
                            body=BODY5))
case("te-http10", req("POST", "/echo", "HTTP/1.0", headers=(H, CHUNKED), body=BODY5))
case("te-chunked-then-empty", req("POST", "/echo", headers=(H, CHUNKED, ("Transfer-Encoding", "")),
                                  body=BODY5))
case("te-empty-and-cl", req("POST", "/echo", headers=(H, ("Transfer-Encoding", ""),
                                                      ("Content-Length", "5")), body="hello"))
case("te-leading-comma", req("POST", "/echo", headers=(H, ("Transfer-Encoding", ", chunked")),
                             body=BODY5))
case("te-trailing-comma", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "chunked,")),
                              body=BODY5))
case("te-x-chunked", req("POST", "/echo", headers=(H, ("Transfer-Encoding", "x-chunked")),
                         body="hello"))
case("cl-and-te", req("POST", "/echo", headers=(H, ("Content-Length", "5"), CHUNKED),
                      body=BODY5))
case("te-and-cl", req("POST", "/echo", headers=(H, CHUNKED, ("Content-Length", "5")),
                      body=BODY5))
case("cl-duplicate-same", req("POST", "/echo", headers=(H, ("Content-Length", "5"),
                                                        ("Content-Length", "5")), body="hello"))
case("cl-duplicate-different", req("POST", "/echo", headers=(H, ("Content-Length", "5"),
                                                             ("Content-Length", "6")),
                                   body="hello!"))
case("cl-list", post("hello", cl="5, 5"))
case("cl-negative", post("hello", cl="-5"))
case("cl-plus", post("hello", cl="+5"))
case("cl-hex", post("hello", cl="0x5"))
case("cl-space-inside", post("hello", cl="1 0"))
case("cl-overflow", post("hello", cl="99999999999999999999999"))
case("cl-empty", post("hello", cl=""))
case("cl-trailing-space", post("hello", cl="5 "))
case("cl-shorter-than-body", post("helloGET / HTTP/1.1\r\nHost: x\r\n\r\n", cl=5), responses=2)
case("cl-longer-than-body", post("hel", cl=10), wait=1.5)

# -- bodies the handler does not read, and large bodies -------------------------------------
# The handler of "/" answers without reading: the body must still be skipped, not parsed.
case("unread-body-cl", post("GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", target="/"))
case("unread-body-chunked", chunked("5\r\nhello\r\n0\r\n\r\n", target="/"), req())
case("unread-body-200k", post("b" * 200_000, target="/"), req(target="/echo?after"))
case("echo-body-200k", post("e" * 200_000))
case("echo-chunked-200k", chunked("".join(f"{0x4000:x}\r\n" + "c" * 0x4000 + "\r\n"
                                          for _ in range(12)) + "0\r\n\r\n"))

# -- keep-alive, Connection, HTTP/1.0 ---------------------------------------------------------
case("keep-alive-default", req(), req(target="/write"))
case("connection-close", req(headers=(H, CLOSE)))
case("connection-close-upper", req(headers=(H, ("Connection", "CLOSE"))))
case("connection-keep-alive-close-list", req(headers=(H, ("Connection", "keep-alive, close"))))
case("connection-close-then-more", req(headers=(H, CLOSE)) + req(), responses=1)
case("connection-close-post-chunked", chunked(BODY5, CLOSE))
case("connection-two-fields", req(headers=(H, KEEP, CLOSE)))
case("connection-close-route-keep-alive", req(target="/conn-keep-alive", headers=(H, CLOSE)))
case("pipelined-handler-closes", req(target="/conn-close"), req(), responses=1)
case("head-with-body", req("HEAD", "/", headers=(H,), body="hello", cl=True))
case("connection-token-list", req(headers=(H, ("Connection", "foo, bar")), ))
case("keep-alive-request-field", req(headers=(H, KEEP, ("Keep-Alive", "timeout=1"))))
case("http10-get", req(version="HTTP/1.0", headers=()))
case("http10-keep-alive", req(version="HTTP/1.0", headers=(KEEP,)))
case("http10-post", post("hello", version="HTTP/1.0"))
case("http10-write", req(target="/write", version="HTTP/1.0", headers=()))
case("http10-keep-alive-write", req(target="/write", version="HTTP/1.0", headers=(KEEP,)))
case("http10-keep-alive-writehead-cl", req(target="/writehead-cl", version="HTTP/1.0",
                                           headers=(KEEP,)))
case("http10-keep-alive-end", req(target="/empty", version="HTTP/1.0", headers=(KEEP,)))
case("http10-te-chunked", req(target="/te-chunked", version="HTTP/1.0", headers=()))
case("http10-flush", req(target="/flush", version="HTTP/1.0", headers=()))
case("http10-204", req(target="/204", version="HTTP/1.0", headers=()))
case("http10-conn-keep-alive-route", req(target="/conn-keep-alive", version="HTTP/1.0",
                                         headers=()))
case("http10-head", req("HEAD", version="HTTP/1.0", headers=()))

# -- pipelining -------------------------------------------------------------------------------
case("pipelined-get-get", req(), req(target="/echo?2"))
case("pipelined-post-get", post("abc"), req(target="/write"))
case("pipelined-chunked-get", chunked(BODY5), req())
case("pipelined-three", req(), post("xy"), req(target="/te-chunked"))
case("pipelined-head-get", req("HEAD", "/big"), req(target="/"))
case("pipelined-get-head-write", req(target="/write"), req("HEAD", "/write"))
case("pipelined-valid-invalid", req(), b"GET / HTTP/1.1\r\nHost x\r\n\r\n")
case("pipelined-invalid-valid", b"GET / HTTP/1.1\r\nHost x\r\n\r\n" + req(), responses=1)
case("pipelined-second-closes", req(), req(headers=(H, CLOSE)))
case("pipelined-http10-then-more", req(version="HTTP/1.0", headers=()) + req(), responses=1)
case("pipelined-empty-lines-between", req() + b"\r\n", req(target="/echo"))

# -- Expect -------------------------------------------------------------------------------------
case("expect-100-continue", post("", ("Expect", "100-continue"), cl=5), after_continue=b"hello")
case("expect-100-continue-chunked", chunked("", ("Expect", "100-continue")),
     after_continue=BODY5.encode())
case("expect-100-continue-mixed-case", post("", ("Expect", "100-Continue"), cl=5),
     after_continue=b"hello")
case("expect-100-continue-get", req(headers=(H, ("Expect", "100-continue"))),
     after_continue=b"")
case("expect-100-continue-http10", post("", ("Expect", "100-continue"), cl=5,
                                        version="HTTP/1.0"), after_continue=b"hello")
case("expect-body-already-sent", post("hello", ("Expect", "100-continue")))
case("expect-100-continue-pipelined", post("hello", ("Expect", "100-continue")), req())
case("expect-unknown", post("hello", ("Expect", "something")))
case("expect-over-body-limit", post("", ("Expect", "100-continue"), cl=2 * 1024 * 1024),
     after_continue=b"z" * (2 * 1024 * 1024))

# -- malformed heads ----------------------------------------------------------------------------
case("obs-fold", req(target="/headers", headers=(H, ("X-A", "a\r\n b"))))
case("obs-fold-tab", req(target="/headers", headers=(H, ("X-A", "a\r\n\tb"))))
case("bare-lf-request-line", b"GET / HTTP/1.1\nHost: x\r\n\r\n")
case("bare-lf-headers", b"GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n")
case("bare-lf-everywhere", b"GET / HTTP/1.1\nHost: x\n\n")
case("bare-lf-final", b"GET / HTTP/1.1\r\nHost: x\r\n\n")
case("bare-lf-no-fields", b"GET / HTTP/1.1\r\n\n")
case("bare-lf-final-http10", b"GET / HTTP/1.0\r\n\n")
case("bare-cr-line-end", b"GET / HTTP/1.1\r\nHost: x\r\r\n\r\n")
case("bare-cr-in-value", req(headers=(H, ("X-A", "a\rb"))))
case("nul-in-value", req(headers=(H, ("X-A", "a\x00b"))))
case("del-in-value", req(target="/headers", headers=(H, ("X-A", "a\x7fb"))))
case("ctl-in-value", req(headers=(H, ("X-A", "a\x01b"))))
case("tab-in-value", req(target="/headers", headers=(H, ("X-A", "a\tb"))))
case("obs-text-in-value", req(target="/headers", headers=(H, ("X-A", "caf\xe9"))))
case("empty-value", req(target="/headers", headers=(H, ("X-E", ""))))
case("value-trailing-whitespace", req(target="/headers", headers=(H, ("X-A", "v \t "))))
case("value-no-space-after-colon", b"GET /headers HTTP/1.1\r\nHost:x\r\nX-A:v\r\n\r\n")
case("space-before-colon", req(headers=(("Host ", "x"),)))
case("tab-before-colon", req(headers=(H, ("X-A\t", "v"))))
case("space-in-name", req(headers=(H, ("X A", "v"))))
case("non-token-name", req(headers=(H, ("X@A", "v"))))
case("empty-name", req(headers=(H, ("", "v"))))
case("no-colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n")
case("whitespace-before-first-header", b"GET / HTTP/1.1\r\n Host: x\r\n\r\n")
case("underscore-in-name", req(target="/headers", headers=(H, ("X_A", "v"))))
case("mixed-case-names", req(target="/headers", headers=(("hOsT", "x"), ("x-LoWeR", "v"))))

# -- request lines ------------------------------------------------------------------------------
case("method-lowercase", req("get"))
case("method-invalid-char", req("G@T"))
case("method-unknown", req("FOO"))
case("method-empty", b" / HTTP/1.1\r\nHost: x\r\n\r\n")
case("version-1.2", req(version="HTTP/1.2"))
case("version-2.0", req(version="HTTP/2.0"))
case("version-3.0", req(version="HTTP/3.0"))
case("version-0.9", req(version="HTTP/0.9"))
case("version-lowercase", req(version="http/1.1"))
case("version-two-digits", req(version="HTTP/1.10"))
case("version-text", req(version="HTTP/x.y"))
case("version-missing", b"GET /\r\nHost: x\r\n\r\n")
case("version-trailing-space", b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n")
case("double-space-after-method", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n")
case("double-space-before-version", b"GET /  HTTP/1.1\r\nHost: x\r\n\r\n")
case("tab-separator", b"GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n")
case("space-in-target", req(target="/a b"))
case("del-in-target", req(target="/a\x7fb"))
case("utf8-in-target", req(target="/caf\xc3\xa9"))
case("ctl-in-target", req(target="/a\x01b"))
case("empty-target", b"GET  HTTP/1.1\r\nHost: x\r\n\r\n")
case("leading-empty-line", b"\r\n" + req())
case("only-crlfs", b"\r\n\r\n\r\n", responses=0, wait=1.5)
case("head-incomplete", b"GET / HTTP/1.1\r\nHost: x\r\n", responses=0, wait=1.5)
case("garbage", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03")

# -- CONNECT and Upgrade ----------------------------------------------------------------------
case("connect", req("CONNECT", "example.com:443", headers=(("Host", "example.com:443"),)))
case("connect-origin-form", req("CONNECT", "/"))
case("upgrade-websocket", req(headers=(H, ("Connection", "Upgrade"), ("Upgrade", "websocket"),
                                       ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                       ("Sec-WebSocket-Version", "13"))))
case("upgrade-h2c", req(headers=(H, ("Connection", "Upgrade, HTTP2-Settings"),
                                 ("Upgrade", "h2c"),
                                 ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"))))
case("upgrade-then-pipelined", req(headers=(H, ("Connection", "Upgrade"), ("Upgrade", "foo"))),
     req(target="/echo?after-upgrade"), wait=2.5)
case("upgrade-without-connection", req(headers=(H, ("Upgrade", "websocket"))))
case("upgrade-post-body", post("hello", ("Connection", "Upgrade"), ("Upgrade", "foo")))

# -- head size and field count limits (Node's 16 KiB) ----------------------------------------
case("header-15k", req(target="/count", headers=(H, ("X-Big", "v" * 15000))))
case("header-17k", req(target="/count", headers=(H, ("X-Big", "v" * 17 * 1024))))
case("header-64k", req(target="/count", headers=(H, ("X-Big", "v" * 64 * 1024))))
case("target-17k", req(target="/count?" + "q" * 17 * 1024))
case("head-16300", req(target="/count", headers=(H, ("X-Big", "v" * (16300 - 50)))))
case("head-16500", req(target="/count", headers=(H, ("X-Big", "v" * (16500 - 50)))))
# Exact limits: nodexx counts the head's bytes up to the end of the last value (16384 at most);
# Node counts the target's, names' and values' bytes (16383 at most). 32 bytes precede X-Big's
# value; Node counts 11 of them.
case("head-nodexx-limit", req(headers=(H, ("X-Big", "v" * (16384 - 32)))))
case("head-nodexx-limit-plus-1", req(headers=(H, ("X-Big", "v" * (16385 - 32)))))
case("head-node-limit", req(headers=(H, ("X-Big", "v" * (16384 - 11)))))
case("fields-100", req(target="/count", headers=[H] + [(f"X-{i}", "v") for i in range(100)]))
# Short fields: 2000 and 2100 fit in 16 KiB on the wire (7 bytes each at most).
case("fields-2000", req(target="/count", headers=[H] + [(f"{i:x}", "") for i in range(1999)]))
case("fields-2100", req(target="/count", headers=[H] + [(f"{i:x}", "") for i in range(2099)]))
# 2100 fields of 9 bytes: 19 KB on the wire, 10.5 KB of names and values.
case("fields-2100-19k-wire", req(target="/count",
                                 headers=[H] + [(f"X{i}", "") for i in range(2099)]))
case("fields-over-16k", req(target="/count", headers=[H] + [(f"X-{i}", "v") for i in range(3000)]))
case("trailer-17k", chunked("5\r\nhello\r\n0\r\nX-T: " + "t" * 17 * 1024 + "\r\n\r\n"))

# -- timeouts (a second pair of servers: head and keep-alive 1 s, request 2 s) ----------------
case("timeout-head", b"GET / HTTP/1.1\r\nHost: x\r\n", responses=0, timeouts=True, wait=10)
case("timeout-request-line", b"GET /echo", responses=0, timeouts=True, wait=10)
case("timeout-body", post("hel", cl=10), responses=0, timeouts=True, wait=10)
case("timeout-chunked-body", chunked("5\r\nhello\r\n"), responses=0, timeouts=True, wait=10)
case("timeout-keep-alive-idle", req(), probe=False, timeouts=True, wait=10)
case("timeout-connection-idle", b"", responses=0, timeouts=True, wait=10)

# -- split across many small writes ---------------------------------------------------------
case("split-get-1", req(target="/echo?s=1"), split=1)
case("split-post-cl-3", post("hello world"), split=3)
case("split-chunked-2", chunked("5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"), split=2)
case("split-pipelined-7", req(), post("abc"), req(target="/write"), split=7)
case("split-bad-header-1", b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", split=1)
case("split-cl-te-5", req("POST", "/echo", headers=(H, ("Content-Length", "5"), CHUNKED),
                          body=BODY5), split=5)
case("split-expect-4", post("", ("Expect", "100-continue"), cl=5), split=4,
     after_continue=b"hello")

# -- responses written in different ways (handler chosen by path) --------------------------
ROUTES = ["/write", "/write-end-empty", "/writehead", "/writehead-reason", "/writehead-cl",
          "/writehead-write", "/setheader-cl-write", "/te-chunked", "/te-chunked-end", "/flush",
          "/empty", "/204", "/204-body", "/304", "/304-write", "/404", "/multi", "/case",
          "/conn-close", "/conn-keep-alive", "/date-off", "/big", "/big-write"]
for route in ROUTES:
    case("res" + route, req(target=route))
for route in ["/", "/write", "/writehead-cl", "/te-chunked", "/flush", "/empty", "/204", "/big",
              "/setheader-cl-write"]:
    case("res-head" + route.replace("/", "-").rstrip("-"), req("HEAD", route))


# -- known differences --------------------------------------------------------------------
# Case name -> (kind, reason, the exact difference lines run.py prints). A case listed here must
# show exactly these lines: any other difference, or one of these going away, fails the test.
# kind "deliberate": nodexx differs on purpose (its README says so, or the RFC asks for it).
# kind "bug": nodexx is wrong and should change; run.py prints these after every run, and
# --strict fails on them.

# Lines shared by several entries.
ACCEPTED_REJECTED = ["#1 connection: node 'keep-alive', nodexx 'close'",
                     "#1 status: node 200, nodexx {}",
                     "end: node 'kept-alive', nodexx 'closed'"]
REJECTED_ACCEPTED = ["#1 connection: node 'close', nodexx 'keep-alive'",
                     "#1 status: node 400, nodexx 200",
                     "end: node 'closed', nodexx 'kept-alive'"]
HTTP10_LENGTH = "#1 framing: node 'close', nodexx 'length'"
UPGRADE_CLOSE = ["#1 connection: node 'keep-alive', nodexx 'close'",
                 "#1 keep-alive: node 'timeout=5', nodexx None",
                 "end: node 'kept-alive', nodexx 'closed'"]


def accepted_rejected(status):
    return [line.format(status) for line in ACCEPTED_REJECTED]


def head_length(n):
    return [f"#1 content-length: node None, nodexx '{n}'"]


def http10_length(n):
    return head_length(n) + [HTTP10_LENGTH]


HEAD_CL = "HEAD carries the Content-Length a GET would get (http/README); Node leaves it out"
HTTP10_CL = ("an HTTP/1.0 end(body) response carries Content-Length (http/README); Node relies "
             "on the close")
HTTP10_KA = ("with Content-Length an HTTP/1.0 keep-alive request keeps its connection; Node has "
             "no length there and closes")

KNOWN = {
    # HEAD and HTTP/1.0 framing.
    "head-root": ("deliberate", HEAD_CL, head_length(6)),
    "head-not-found": ("deliberate", HEAD_CL, head_length(24)),
    "http10-head": ("deliberate", HEAD_CL, head_length(6)),
    "pipelined-head-get": ("deliberate", HEAD_CL, head_length(100000)),
    "res-head": ("deliberate", HEAD_CL, head_length(6)),
    "res-head-empty": ("deliberate", HEAD_CL, head_length(0)),
    "res-head-big": ("deliberate", HEAD_CL, head_length(100000)),
    "head-with-body": ("deliberate", HEAD_CL, head_length(6)),
    "http10-get": ("deliberate", HTTP10_CL, http10_length(6)),
    "http10-post": ("deliberate", HTTP10_CL, http10_length(32)),
    "te-http10": ("deliberate", HTTP10_CL, http10_length(32)),
    "http10-conn-keep-alive-route": ("deliberate", HTTP10_CL, http10_length(2)),
    "pipelined-http10-then-more": ("deliberate", HTTP10_CL, http10_length(6)),
    "host-missing-http10": ("deliberate", HTTP10_CL, http10_length(6)),
    "http10-keep-alive": ("deliberate", HTTP10_KA, sorted(
        http10_length(6) + ["#1 connection: node 'close', nodexx 'keep-alive'",
                            "#1 keep-alive: node None, nodexx 'timeout=5'",
                            "end: node 'closed', nodexx 'kept-alive'"])),
    "http10-keep-alive-end": ("deliberate", HTTP10_KA, sorted(
        http10_length(0) + ["#1 connection: node 'close', nodexx 'keep-alive'",
                            "#1 keep-alive: node None, nodexx 'timeout=5'",
                            "end: node 'closed', nodexx 'kept-alive'"])),
    # Errors, Expect, limits.
    "pipelined-valid-invalid": (
        "deliberate", "nodexx answers every malformed request with 400; Node only while nothing "
        "was written on the connection (socketOnError's bytesWritten === 0), else it just closes",
        ["responses: node 1, nodexx 2"]),
    "connection-close-route-keep-alive": (
        "deliberate", "after a Connection: close request nothing more is read (RFC 9112 §9.6); "
        "Node's llhttp answers later bytes with 400 (HPE_CLOSED_CONNECTION), even when the "
        "handler set Connection: keep-alive", ["responses: node 2, nodexx 1"]),
    "expect-unknown": (
        "deliberate", "417 is generated by the server, and its errors close (http/README); Node's "
        "automatic 417 keeps the connection", ["#1 connection: node 'keep-alive', nodexx 'close'",
                                              "end: node 'kept-alive', nodexx 'closed'"]),
    "expect-100-continue-get": (
        "deliberate", "no 100 Continue when the framing says there is no body (RFC 9110 §10.1.1 "
        "allows omitting it); Node always sends it", ["#1 interim: node [100], nodexx []"]),
    "expect-over-body-limit": (
        "deliberate", "ServerOptions::maxBodyBytes (1 MiB) answers 413 instead of 100; Node has "
        "no body limit", sorted(accepted_rejected(413) + ["#1 interim: node [100], nodexx []"])),
    "fields-2000": (
        "deliberate", "Node keeps about 1000 fields (maxHeadersCount 2000 counts names and "
        "values) and drops the rest silently; nodexx keeps every field within maxHeaderSize",
        ["#1 body: node b'1023', nodexx b'2000'"]),
    "fields-2100": (
        "deliberate", "as fields-2000", ["#1 body: node b'1023', nodexx b'2100'"]),
    "fields-2100-19k-wire": (
        "deliberate", "maxHeaderSize counts the head's bytes on the wire (ServerOptions); Node "
        "counts only the URL, names and values, so many short fields fit in Node's 16 KiB",
        accepted_rejected(431)),
    "head-nodexx-limit-plus-1": ("deliberate", "as fields-2100-19k-wire, at the exact limit",
                                 accepted_rejected(431)),
    "te-gzip-chunked": (
        "deliberate", "a transfer coding other than chunked gets 501 (RFC 9112 §6.1, "
        "http/README); Node passes the still-encoded body on", accepted_rejected(501)),
    "te-two-fields": ("deliberate", "as te-gzip-chunked", accepted_rejected(501)),
    # Request-line strictness, versions, Upgrade (CONNECT behaves as Node's: destroyed).
    "double-space-after-method": (
        "deliberate", "extra spaces in the request line are rejected (http/README smuggling "
        "defences); Node's llhttp accepts them", accepted_rejected(400)),
    "double-space-before-version": (
        "deliberate", "as double-space-after-method", accepted_rejected(400)),
    "version-missing": (
        "deliberate", "the HTTP/0.9 request form is rejected (http/README); Node answers it",
        ["#1 status: node 200, nodexx 400"]),
    "version-2.0": (
        "deliberate", "505 for a major version other than 1; Node's llhttp serves 2.0 as 1.x",
        ["#1 status: node 200, nodexx 505"]),
    "version-0.9": ("deliberate", "as version-2.0", ["#1 status: node 200, nodexx 505"]),
    "version-3.0": (
        "deliberate", "505 is the RFC's status for an unsupported major version; Node says 400",
        ["#1 status: node 400, nodexx 505"]),
    "upgrade-then-pipelined": (
        "deliberate", "Node stops parsing after an Upgrade request it served (what follows would "
        "be the new protocol) and leaves the connection open until keepAliveTimeout (5 s, past "
        "the case's 2.5 s wait); nodexx says Connection: close and closes (http/README)",
        ["#1 connection: node 'keep-alive', nodexx 'close'",
         "#1 keep-alive: node 'timeout=5', nodexx None",
         "end: node 'timeout', nodexx 'closed'"]),
    "upgrade-post-body": (
        "deliberate", "an Upgrade request nobody listens for ('upgrade' has no listener here) "
        "is served, then the connection closes (http/README); Node keeps it and reads nothing "
        "more", UPGRADE_CLOSE),
    "upgrade-websocket": ("deliberate", "as upgrade-post-body", UPGRADE_CLOSE),
    "upgrade-h2c": ("deliberate", "as upgrade-post-body", UPGRADE_CLOSE),
    "te-empty-and-cl": (
        "deliberate", "a Transfer-Encoding field, even an empty one, beside Content-Length is "
        "rejected (RFC 9112 §6.1 smuggling rule); Node's llhttp ignores the empty one",
        accepted_rejected(400)),

    # Bugs in nodexx (see README.md): pinned so that the test still fails on anything new.
    "chunked-ext-two": (
        "bug", "5;a=1;b=2 is a valid chunk extension list (RFC 9112 §7.1.1); llhttp 8 rejects "
        "an extension after one with a value (Node 200)", accepted_rejected(400)),
    "chunked-ext-value-then-bare": (
        "bug", "as chunked-ext-two (5;a=1;b), listed in http/README's known gaps",
        accepted_rejected(400)),
    "method-query": (
        "bug", "QUERY is unknown to llhttp 8 (400); Node 20's llhttp 9 serves it",
        accepted_rejected(400)),
}
