// paperboy users: list the accounts, and make one an admin or moderator from the command line
// (how a hub whose first account is lost, or a new moderator, gets going without the web).
import type { Command } from 'commander';
import type { Role } from '../store/accounts.ts';
import { isEmailAddress } from '../store/sqlite-accounts.ts';
import { configFrom, UserError, withStore, type GlobalFlags } from './context.ts';

/** Roles a promotion can give, lowest first. */
const PROMOTIONS: readonly Role[] = ['moderator', 'admin'];

export function registerUsers(program: Command): void {
  const users = program.command('users').description('accounts: list them, or promote one to admin or moderator');

  users
    .command('promote <email>')
    .description('make the account of an address an admin (or --role moderator); creates the account if the address has none')
    .option('--role <role>', 'admin or moderator', 'admin')
    .action(async (email: string, options: { role: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const role = PROMOTIONS.find((r) => r === options.role);
      if (!role) throw new UserError(`--role must be admin or moderator (got ${options.role})`);
      const address = email.trim();
      if (!isEmailAddress(address)) throw new UserError(`"${email}" is not an email address; write it like ana@example.org`);
      await withStore(config, async (store) => {
        const now = new Date().toISOString();
        const { user, created } = await store.accounts.userForEmail(address, now);
        if (user.role === 'admin' && role === 'moderator') {
          throw new UserError(`${user.name} is an admin already; demote them on the admin page instead`);
        }
        if (user.role !== role) await store.accounts.setRole(user.key, role);
        if (created || user.role !== role) {
          await store.accounts.audit({ action: 'promote', target: `user:${user.name}`, detail: 'from the command line', now });
        }
        const change = user.role === role && !created ? 'was already' : 'is now';
        console.log(`${user.email} (${user.name}) ${change} ${role === 'admin' ? 'an admin' : 'a moderator'}${created ? '; the account is new' : ''}`);
      });
    });

  users
    .command('list')
    .description('every account: name, address, role, and since when it is banned')
    .action(async (_options: object, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      await withStore(config, async (store) => {
        for (let offset = 0; ; offset += 500) {
          const page = await store.accounts.users({ limit: 500, offset });
          for (const u of page) console.log([u.name, u.email, u.role, u.bannedAt ? `banned ${u.bannedAt}` : 'active', `joined ${u.createdAt}`].join('\t'));
          if (page.length < 500) break;
        }
      });
    });
}
