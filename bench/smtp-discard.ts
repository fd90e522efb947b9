// An SMTP server that accepts every message and keeps only a count: the far end of bench:digest,
// in a process of its own so that receiving does not share the sender's core. Prints its port,
// then, on SIGTERM, the number of messages and bytes it took.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => {
      messages++;
      callback();
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ messages, bytes })}\n`);
  server.close(() => process.exit(0));
});
