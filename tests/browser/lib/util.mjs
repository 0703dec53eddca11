// Small helpers shared by the browser tests.
import net from 'node:net';

import { sleep, waitFor } from '../../lib/wait.mjs';
export { sleep, waitFor };

import { freePort } from '../../lib/ports.mjs';
export { freePort };

