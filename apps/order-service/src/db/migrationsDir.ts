import { fileURLToPath } from 'node:url';

// The same path from src/db (tsx) and dist/db (the image): the app's own migrations/ folder.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
