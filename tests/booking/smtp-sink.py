#!/usr/bin/python3
# A real SMTP server for the notification tests (Debian's python3-aiosmtpd):
#   smtp-sink.py PORT [CERT KEY]
# listens on 127.0.0.1:PORT, offers STARTTLS when given a certificate,
# refuses any recipient whose local part starts with "refuse" (550) and
# defers any starting with "defer" (451), and prints one JSON line per
# message it takes (envelope, decoded subject, body, Content-Language,
# whether it came over TLS), then "READY" once listening. Stops on stdin EOF.
import asyncio, email, email.policy, json, ssl, sys, threading
from aiosmtpd.controller import Controller

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split('@')[0]
        if local.startswith('refuse'):
            return '550 5.1.1 no such mailbox'
        if local.startswith('defer'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        print(json.dumps({
            'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
            'subject': str(msg['subject']), 'to': str(msg['to']),
            'language': str(msg['content-language']),
            'body': msg.get_content(), 'tls': session.ssl is not None,
        }), flush=True)
        return '250 OK queued'

port = int(sys.argv[1])
kw = {}
if len(sys.argv) > 3:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    kw['tls_context'] = ctx
c = Controller(Handler(), hostname='127.0.0.1', port=port, **kw)
c.start()
print('READY', flush=True)
sys.stdin.read()
c.stop()
