// paperboy digest: the email digests from the command line, for cron and for hosts. `run` does what
// `serve` does every minute (compose what is due, send what is queued), `preview` shows what an
// address would get now without sending or storing anything, `status` says where delivery stands.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { digestMessageId, editionWindow } from '../digest/compose.ts';
import { describeSubscription } from '../digest/describe.ts';
import { describeRun, runDigests } from '../digest/run.ts';
import { editionAt, editionLabel } from '../digest/schedule.ts';
import { Selector } from '../digest/select.ts';
import { digestMailer, mailHost } from '../digest/send.ts';
import { processOwner } from '../jobs/lease.ts';
import { isEmailAddress } from '../store/sqlite-accounts.ts';
import { baseUrlFor, configFrom, digestContextFor, mailerFor, openSemantic, UserError, withStore, type GlobalFlags } from './context.ts';
import { createProgress, formatCount } from './progress.ts';

export function registerDigest(program: Command): void {
  const digest = program.command('digest').description('email digests: send the ones that are due, preview one, see where delivery stands');

  digest
    .command('run')
    .description('compose the digests that are due and send every queued one (what `serve` does each minute; for cron when PAPERBOY_DIGEST_MINUTES=0)')
    .option('--at <instant>', 'act as if it were this ISO instant (to catch up, or to test a schedule)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { at?: string; json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      const at = instantOption(options.at);
      await withStore(config, async (store) => {
        const semantic = await openSemantic(store, config, (line) => process.stderr.write(`${line}\n`));
        const mailer = mailerFor(config, (line) => process.stderr.write(`${line}\n`), { pool: true });
        try {
          const ctx = await digestContextFor(store, semantic, config, mailer);
          const now = at ? () => at : () => new Date();
          const dueCount = await store.subscriptions.countDue(now().toISOString());
          const queuedBefore = (await store.subscriptions.status()).outbox.find((o) => o.state === 'queued')?.count ?? 0;
          const composing = createProgress('compose', dueCount, formatCount);
          let sending: ReturnType<typeof createProgress> | undefined;
          const outcome = await runDigests(ctx, {
            owner: processOwner(),
            now,
            composed: (n) => composing.update(n),
            sent: (n) => {
              if (!sending) {
                composing.stop();
                sending = createProgress('send   ', queuedBefore + dueCount, formatCount);
              }
              sending.update(n);
            },
          });
          if (!sending) composing.stop();
          sending?.stop();
          if (!outcome.ran) throw new UserError(`Another process is running the digests (${outcome.holder ?? 'unknown'}); try again when it is done.`);
          const report = outcome.value;
          console.log(options.json ? JSON.stringify(report) : `${describeRun(report)} (${report.compose.msPerSubscription.toFixed(2)} ms a subscription to compose, ${report.send.seconds.toFixed(1)} s sending, via ${mailer.describe})`);
          if (report.send.stopped) process.exitCode = 1;
        } finally {
          mailer.close();
          await semantic.close();
        }
      });
    });

  digest
    .command('preview <email>')
    .description('what each subscription of an address would bring now, as the mail reads (nothing is sent or stored)')
    .option('--at <instant>', 'as if it were this ISO instant')
    .option('--html <file>', 'also write the HTML of the first digest to this file')
    .action(async (email: string, options: { at?: string; html?: string }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      if (!isEmailAddress(email.trim())) throw new UserError(`"${email}" is not an email address; write it like ana@example.org`, 2);
      const at = instantOption(options.at) ?? new Date();
      await withStore(config, async (store) => {
        const subscriber = await store.subscriptions.subscriberByEmail(email);
        const subscriptions = subscriber ? (await store.subscriptions.subscriptionsOf(subscriber.key)).filter((s) => s.state !== 'pending') : [];
        if (subscriptions.length === 0) throw new UserError(`${email.trim()} has no confirmed subscriptions here.`);
        const semantic = await openSemantic(store, config);
        try {
          const ctx = await digestContextFor(store, semantic, config, mailerFor(config, () => {}));
          const selector = new Selector(ctx);
          const mailOf = digestMailer(ctx);
          let wroteHtml = false;
          for (const s of subscriptions) {
            const edition = editionAt(s.schedule, at);
            const selection = await selector.select({ ...s, coveredTo: undefined }, editionWindow({ ...s, coveredTo: undefined }, edition));
            console.log(`== ${describeSubscription(s)} (${s.state}), edition ${edition.key}`);
            if (!('content' in selection)) {
              console.log(`   nothing to send: ${'skip' in selection ? selection.skip : selection.reason}\n`);
              continue;
            }
            const content = JSON.stringify({ ...selection.content, edition: editionLabel(s.schedule, edition) });
            const mail = mailOf({ subscription: s, recipient: s.subscriber.email, messageId: digestMessageId(s.key, edition.key, mailHost(baseUrlFor(config))), content });
            console.log(`Subject: ${mail.subject}\n\n${mail.text}`);
            if (options.html && !wroteHtml) {
              writeFileSync(options.html, mail.html ?? '');
              wroteHtml = true;
              process.stderr.write(`Wrote the HTML of this digest to ${options.html}\n`);
            }
          }
        } finally {
          await semantic.close();
        }
      });
    });

  digest
    .command('status')
    .description('subscriptions by kind and state, the outbox by state, and when the next digest is due')
    .option('--json', 'print it as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const config = configFrom(command.optsWithGlobals<GlobalFlags>());
      await withStore(config, async (store) => {
        const status = await store.subscriptions.status();
        if (options.json) return console.log(JSON.stringify(status));
        const lines = [
          'Subscriptions:',
          ...(status.subscriptions.length === 0 ? ['  none yet'] : status.subscriptions.map((s) => `  ${s.kind.padEnd(10)} ${s.state.padEnd(8)} ${formatCount(s.count)}`)),
          'Outbox:',
          ...(status.outbox.length === 0 ? ['  empty'] : status.outbox.map((o) => `  ${o.state.padEnd(10)} ${formatCount(o.count)}`)),
          `Next digest due: ${status.nextDueAt ?? 'none scheduled'}`,
          `Last sent: ${status.lastSentAt ?? 'never'}`,
        ];
        console.log(lines.join('\n'));
      });
    });
}

function instantOption(given: string | undefined): Date | undefined {
  if (given === undefined) return undefined;
  const at = new Date(given);
  if (Number.isNaN(at.getTime())) throw new UserError(`--at must be an ISO instant like 2026-12-07T08:00:00Z (got "${given}")`, 2);
  return at;
}
