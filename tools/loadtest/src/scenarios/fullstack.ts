// The task board: one write for every three reads on /api/tasks. fullstack-api limits each client
// address to RATE_LIMIT_POINTS (600) requests per RATE_LIMIT_WINDOW_SECONDS (60), shared by every
// replica, so the default peak of 9 requests/s stays under it; a higher --rate only makes sense
// where the limit is raised or off (RATE_LIMIT_POINTS=0), or the excess is answered 429.
import type { Scenario } from './scenario.js';

const json = { 'content-type': 'application/json' };
const task = JSON.stringify({ title: 'Load test task', description: 'made by npm run loadtest' });
const READS = ['/api/tasks?limit=20', '/api/tasks?limit=20&status=todo', '/api/tasks?limit=5'];

export const fullstack: Scenario = {
  name: 'fullstack',
  description: 'read/write mix on /api/tasks (1 POST : 3 GET), under the rate limit by default',
  targetVariable: 'FULLSTACK_URL',
  defaultTarget: 'http://localhost:3000',
  stages: [
    { name: 'warm up', share: 0.2, connections: 0.25, rate: 1 / 3 },
    { name: 'ramp', share: 0.2, connections: 0.5, rate: 2 / 3 },
    { name: 'peak', share: 0.4, connections: 1, rate: 1 },
    { name: 'cool down', share: 0.2, connections: 0.25, rate: 1 / 3 },
  ],
  peak: { connections: 8, rate: 9 },
  prepare() {
    // One shared count across connections keeps the mix exact however short each stage is (every
    // connection restarts its request list when a stage starts).
    let sent = 0;
    return {
      requests: [
        {
          setupRequest: (request) => {
            sent += 1;
            if (sent % 4 === 1) {
              return { ...request, method: 'POST', path: '/api/tasks', headers: json, body: task };
            }
            return { ...request, method: 'GET', path: READS[sent % READS.length]! };
          },
        },
      ],
    };
  },
};
