import type { Server } from 'node:http';
import {
  attachFrontDoor,
  defaultRequestLimits,
  frontDoorMetrics,
  type FrontDoor,
} from '@vexil/edge';
export { frontDoorServerOptions } from '@vexil/edge';
import type { Registry } from 'prom-client';
import { connectionBudget } from './file-budget.js';

/** Every role's port: the front door with the process's connection budget, counted in metrics. */
export function attachPortFrontDoor(server: Server, metrics: Registry): FrontDoor {
  return attachFrontDoor(server, {
    limits: defaultRequestLimits,
    maxConnections: connectionBudget(),
    now: Date.now,
    onRefused: frontDoorMetrics(metrics),
  });
}
