import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// Test files start real servers that keep both cores busy: one file at a time keeps the load
// tests meaningful and the suite steady on a 2-core machine.
export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
