import { auditCommand } from './commands/audit.js';
import type { Command, CommandGroup } from './commands/command.js';
import { exportCommand, importCommand } from './commands/data.js';
import { envsGroup } from './commands/envs.js';
import { filtersGroup } from './commands/filters.js';
import { flagsGroup } from './commands/flags.js';
import { networkCommand } from './commands/network.js';
import { planCommand } from './commands/plan.js';
import { projectsGroup } from './commands/projects.js';
import { requestsGroup } from './commands/requests.js';
import { segmentsGroup } from './commands/segments.js';
import { tokensGroup } from './commands/tokens.js';
import { edgeCommand } from './roles/edge-command.js';
import { originCommand } from './roles/origin-command.js';
import { startCommand } from './start/start-command.js';

/** Every `vexil` command, in the order help lists them. */
export const COMMANDS: readonly (Command | CommandGroup)[] = [
  startCommand,
  originCommand,
  edgeCommand,
  projectsGroup,
  envsGroup,
  flagsGroup,
  requestsGroup,
  segmentsGroup,
  filtersGroup,
  importCommand,
  exportCommand,
  auditCommand,
  networkCommand,
  tokensGroup,
  planCommand,
];

export function isGroup(entry: Command | CommandGroup): entry is CommandGroup {
  return 'commands' in entry;
}
