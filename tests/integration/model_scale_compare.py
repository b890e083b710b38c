#!/usr/bin/env python3
"""Compares what opening INBOX cost for a small and a big mailbox (it_model --stats output).

Arguments: pairs of JSON files, small then big. The commands sent (by name and count) must be
equal; the bytes the client sent may differ only by the longer sequence numbers and counts
(at most 2% or 64 bytes, whichever is more); on the Gmail emulation the server's own
accounting is compared too."""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def close(a, b):
    return abs(a - b) <= max(64, 0.02 * max(a, b))


def main(argv):
    files = argv[1:]
    if len(files) % 2:
        print("usage: model_scale_compare.py SMALL BIG [SMALL BIG ...]")
        return 2
    ok = True
    print("%-8s %9s %9s %13s %13s  %s" % ("server", "messages", "commands", "client bytes",
                                         "server bytes", "commands by name"))
    for i in range(0, len(files), 2):
        small, big = load(files[i]), load(files[i + 1])
        for s in (small, big):
            print("%-8s %9d %9d %13d %13d  %s" % (s["server"], s["messages"],
                                                 sum(s["commands"].values()), s["client_bytes"],
                                                 s["server_bytes"], json.dumps(s["commands"],
                                                                               sort_keys=True)))
        if small["commands"] != big["commands"]:
            print("FAIL %s: commands differ: %s vs %s" % (small["server"], small["commands"],
                                                          big["commands"]))
            ok = False
        if not close(small["client_bytes"], big["client_bytes"]):
            print("FAIL %s: client bytes %d vs %d" % (small["server"], small["client_bytes"],
                                                      big["client_bytes"]))
            ok = False
        if "gmail_stats" in small:
            gs, gb = small["gmail_stats"]["stats"], big["gmail_stats"]["stats"]
            cs = {k: v["count"] for k, v in gs.get("commands", {}).items()}
            cb = {k: v["count"] for k, v in gb.get("commands", {}).items()}
            if cs != cb:
                print("FAIL gmail: the server counted other commands: %s vs %s" % (cs, cb))
                ok = False
            if not close(gs["bytes_in"], gb["bytes_in"]):
                print("FAIL gmail: server bytes_in %d vs %d" % (gs["bytes_in"], gb["bytes_in"]))
                ok = False
        if big["server_bytes"] > 100 * 1024:
            print("FAIL %s: the first screen moved %d bytes (target <= 100 KB)" %
                  (big["server"], big["server_bytes"]))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
