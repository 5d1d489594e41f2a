#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between the terminal client and a real clinic-server, for the
end-to-end fault tests (scripts/e2e-faults.sh). It forwards everything, except that the first line
of the control file may name a fault and the requests it applies to ("METHOD /path" containing the
pattern; no pattern: all):

    pass                       forward unchanged
    500 POST /notes            answer 500 text/plain, as uvicorn does for an unhandled error
    503 POST /notes            answer 503 with an HTML page, as a load balancer does during a deploy
    delay:10 POST /notes       wait 10 s, then forward
    hostile                    forward, then put escape sequences, an OSC title change and
                               right-to-left marks into names and note texts in JSON answers

Every request is logged to the log file as "METHOD /path status".
Usage: fault-proxy.py UPSTREAM PORT CONTROL_FILE LOG_FILE (PORT 0: a free one, written to LOG_FILE.port)"""
import asyncio, json, os, sys
from aiohttp import web, ClientSession, ClientTimeout

upstream, port, control_path, log_path = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3], sys.argv[4]
HOSTILE_NAME = "\x1b[2J\x1b[HEvil\x1b]0;pwned\x07 \u202eTNEITAP\u202c \u200fMallet\x9b31m"
HOSTILE_NOTE = "\x1b[31mRed alert\x1b[0m \x1b]52;c;c3RvbGVu\x07clipboard \u2067isolated\u2069 \x1bPdcs\x1b\\end"
FORWARDED_HEADERS = ("content-type", "retry-after", "location", "www-authenticate", "content-disposition")


def fault():
    try:
        words = open(control_path).readline().split(None, 1)
    except FileNotFoundError:
        return "pass", ""
    return (words[0], words[1].strip() if len(words) > 1 else "") if words else ("pass", "")


def poison(value):
    """The first patient of a list gets a hostile name; every note a hostile text."""
    if isinstance(value, dict):
        if isinstance(value.get("items"), list) and value["items"]:
            first = value["items"][0]
            if isinstance(first, dict) and "name" in first:
                first["name"] = HOSTILE_NAME
            for item in value["items"]:
                if isinstance(item, dict) and "content" in item:
                    item["content"] = HOSTILE_NOTE + "\n" + item["content"]
        elif "name" in value and "date_of_birth" in value:
            value["name"] = HOSTILE_NAME
    return value


async def handle(request):
    mode, pattern = fault()
    target = f"{request.method} {request.path_qs}"
    applies = mode != "pass" and pattern in target
    status = None
    try:
        if applies and mode == "500":
            status = 500
            return web.Response(status=500, text="Internal Server Error", content_type="text/plain")
        if applies and mode == "503":
            status = 503
            return web.Response(status=503, text="<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
                                content_type="text/html")
        if applies and mode.startswith("delay:"):
            await asyncio.sleep(float(mode[len("delay:"):]))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length", "transfer-encoding", "connection")}
        async with request.app["session"].request(request.method, upstream + request.path_qs, headers=headers,
                                                  data=await request.read(), allow_redirects=False) as answer:
            body = await answer.read()
            status = answer.status
            if applies and mode == "hostile" and answer.content_type == "application/json":
                body = json.dumps(poison(json.loads(body))).encode()
            return web.Response(status=answer.status, body=body,
                                headers={k: v for k, v in answer.headers.items() if k.lower() in FORWARDED_HEADERS})
    finally:
        with open(log_path, "a") as log:
            log.write(f"{target} {status}\n")


async def main():
    app = web.Application(client_max_size=64 << 20)
    app["session"] = ClientSession(timeout=ClientTimeout(total=60), auto_decompress=False)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    # Port 0: the system picks a free one; it is written to LOG_FILE.port (whole, then renamed).
    bound = site._server.sockets[0].getsockname()[1]
    with open(log_path + ".port.part", "w") as out:
        out.write(f"{bound}\n")
    os.replace(log_path + ".port.part", log_path + ".port")
    await asyncio.Event().wait()

asyncio.run(main())
