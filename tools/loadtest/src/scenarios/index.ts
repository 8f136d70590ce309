import { fullstack } from './fullstack.js';
import { inference } from './inference.js';
import { orders } from './orders.js';
import type { Scenario } from './scenario.js';

export const scenarios: Record<string, Scenario> = { fullstack, orders, inference };
