import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// One file at a time: the files start real processes on a 2-core machine, and the chaos file
// stops RabbitMQ, which would break any other file running beside it.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
