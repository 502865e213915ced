import type { Command, CommandGroup } from './commands/command.js';
import { COMMANDS, isGroup } from './command-table.js';
import { COMMENT_USAGE } from './commands/comment.js';

function usageLine(prefix: string, command: Command): string {
  const args = (command.args ?? []).map((a) => `<${a}>`).join(' ');
  const comment = command.writes === true ? COMMENT_USAGE : '';
  return [`vexil ${prefix}${command.name}`, args, command.usage ?? '', comment]
    .filter((s) => s)
    .join(' ');
}

const API_NOTES = `Admin commands call the REST API at VEXIL_URL (default http://127.0.0.1:8080) with the
token in VEXIL_TOKEN; --url and --token override them. --json prints the API's JSON instead of
a table. Exit status: 0 done, 1 the API or the request failed, 2 the command line is wrong.
`;

export function mainHelp(version: string): string {
  const lines = COMMANDS.flatMap((entry) =>
    isGroup(entry)
      ? entry.commands.map((c) => ({ usage: usageLine(`${entry.name} `, c), summary: c.summary }))
      : [{ usage: usageLine('', entry), summary: entry.summary }],
  );
  return `vexil ${version}: Vexil, a real-time feature-flag delivery network

Usage: vexil <command> [arguments] [options]

Commands:
${lines.map((l) => `  ${l.usage}\n      ${l.summary}`).join('\n')}

${API_NOTES}
"vexil <command> --help" shows one command's help.
`;
}

export function groupHelp(group: CommandGroup): string {
  return `vexil ${group.name}: ${group.summary}

${group.commands.map((c) => `  ${usageLine(`${group.name} `, c)}\n      ${c.summary}`).join('\n')}

Options of every ${group.name} command: --url <url> --token <token> --json

${API_NOTES}`;
}

export function commandHelp(prefix: string, command: Command): string {
  const details = command.details === undefined ? '' : `\n${command.details}`;
  return `Usage: ${usageLine(prefix, command)}\n\n${command.summary}\n${details}`;
}
