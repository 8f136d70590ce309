// Checks what `npm test` needs before any test runs, and says in one line what to do when
// something is missing. Kept to syntax that old Node.js versions parse, since finding one is its job.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVICE_VARIABLES = ['TEST_DATABASE_URL', 'TEST_REDIS_URL', 'TEST_AMQP_URL'];

/** The problem with this Node.js version, or undefined when it is the one `.nvmrc` names (or newer). */
export function nodeProblem(found, needed) {
  const major = Number(found.replace(/^v/, '').split('.')[0]);
  if (major >= Number(needed)) return undefined;
  return (
    `Node.js ${found} is on PATH but this project needs Node.js ${needed}: ` +
    'run `source scripts/dev-env.sh` (it fetches Node.js ' +
    needed +
    ' into .tools/ and puts it first on PATH)'
  );
}

/** The problem with the test services, or undefined when each has a URL or Docker can start them. */
export function servicesProblem(env, dockerAnswers) {
  const unset = SERVICE_VARIABLES.filter((name) => !env[name]);
  if (unset.length === 0 || dockerAnswers) return undefined;
  return (
    `${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set and no Docker engine is there to start them: ` +
    'run `eval "$(bash scripts/services.sh)"` (it installs and starts PostgreSQL, Redis and RabbitMQ)'
  );
}

function dockerAnswers(env) {
  if (env.DOCKER_HOST) return true;
  return existsSync('/var/run/docker.sock');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const needed = readFileSync(join(root, '.nvmrc'), 'utf8').trim();
  const problem =
    nodeProblem(process.version, needed) ||
    servicesProblem(process.env, dockerAnswers(process.env));
  if (problem) {
    console.error(`preflight: ${problem}`);
    process.exit(1);
  }
}
