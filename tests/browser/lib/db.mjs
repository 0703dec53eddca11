// SQL on a browser test's own sqlite database (the stack's parlour.db)
// through the sqlite3 command line. The daemons write to it at the same
// time (sweeps, outboxes, audit), and the command line's default is to
// fail at once on a locked database: wait for the lock up to 5 s instead,
// as tests/booking/lib.mjs does.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function sqlite(dbOrStack, query) {
  const db = typeof dbOrStack === 'string' ? dbOrStack : path.join(dbOrStack.dir, 'parlour.db');
  return execFileSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8' }).trim();
}
