#!/usr/bin/env node
// Starts Hoodiecrow (npm: hoodiecrow-imap) on 127.0.0.1 with a free port and writes the port to
// the file named by argv[2] once listening. A third-party IMAP server with partial X-GM-EXT-1
// (X-GM-MSGID, X-GM-LABELS), used by skua's tests as a second opinion on Gmail's syntax.
// Account: testuser / testpass (Hoodiecrow's fixed login). Stops on SIGTERM.
"use strict";
const fs = require("fs");
const hoodiecrow = require("hoodiecrow-imap");

const portFile = process.argv[2];
if (!portFile) {
    console.error("usage: hoodiecrow_server.js PORT-FILE");
    process.exit(2);
}

function msg(i, subject, from, extra) {
    return Object.assign({
        raw: "From: " + from + "\r\n" +
            "To: testuser@example.com\r\n" +
            "Subject: " + subject + "\r\n" +
            "Message-ID: <hc" + i + "@example.com>\r\n" +
            "Date: Fri, 13 Sep 2013 15:0" + (i % 10) + ":00 +0300\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\n" +
            "\r\n" +
            "Body of message " + i + ".\r\n",
        internaldate: "13-Sep-2013 15:0" + (i % 10) + ":00 +0300",
    }, extra || {});
}

const server = hoodiecrow({
    plugins: ["ID", "SASL-IR", "AUTH-PLAIN", "NAMESPACE", "IDLE", "ENABLE", "CONDSTORE", "XTOYBIRD",
        "LITERALPLUS", "UNSELECT", "SPECIAL-USE", "UIDPLUS", "MOVE", "X-GM-EXT-1"],
    id: { name: "hoodiecrow", version: "2.1" },
    storage: {
        "INBOX": {
            messages: [
                msg(1, "hello 1", "Alice <alice@example.com>", { flags: ["\\Seen"] }),
                msg(2, "=?UTF-8?B?w6l0w6kgw6AgUGFyaXM=?=", "=?ISO-8859-1?Q?Ren=E9?= <rene@example.com>"),
                msg(3, "Re: hello 1", "Bob <bob@example.com>", { "X-GM-LABELS": ["Work", "\\Important"] }),
                msg(4, "labels", "Carol <carol@example.com>", { flags: ["\\Flagged"] }),
            ],
        },
        "": {
            separator: "/",
            folders: {
                "Work": {},
                "[Gmail]": {
                    flags: ["\\Noselect"],
                    folders: {
                        "All Mail": { "special-use": "\\All" },
                        "Drafts": { "special-use": "\\Drafts" },
                        "Important": { "special-use": "\\Important" },
                        "Sent Mail": { "special-use": "\\Sent" },
                        "Spam": { "special-use": "\\Junk" },
                        "Starred": { "special-use": "\\Flagged" },
                        "Trash": { "special-use": "\\Trash" },
                    },
                },
            },
        },
    },
    debug: !!process.env.HOODIECROW_DEBUG,
});

server.listen(0, "127.0.0.1", function () {
    const port = server.server.address().port;
    fs.writeFileSync(portFile + ".tmp", String(port) + "\n");
    fs.renameSync(portFile + ".tmp", portFile);
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
