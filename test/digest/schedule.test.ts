// Local hours in real time zones, across DST changes, and which edition is due when.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSchedule, editionAt, editionLabel, isTimeZone, localDay, nextEditionAfter, zonedInstant } from '../../src/digest/schedule.ts';
import type { Schedule } from '../../src/store/subscriptions.ts';

const daily = (hour: number, timeZone: string): Schedule => ({ frequency: 'daily', hour, weekday: 1, timeZone });

test('zonedInstant: a local hour in zones with whole, half and three-quarter hour offsets', () => {
  assert.equal(zonedInstant('2026-12-07', 8, 'UTC').toISOString(), '2026-12-07T08:00:00.000Z');
  assert.equal(zonedInstant('2026-12-07', 8, 'Europe/Berlin').toISOString(), '2026-12-07T07:00:00.000Z');
  assert.equal(zonedInstant('2026-07-07', 8, 'Europe/Berlin').toISOString(), '2026-07-07T06:00:00.000Z');
  assert.equal(zonedInstant('2026-12-07', 8, 'Asia/Kolkata').toISOString(), '2026-12-07T02:30:00.000Z');
  assert.equal(zonedInstant('2026-12-07', 8, 'Pacific/Chatham').toISOString(), '2026-12-06T18:15:00.000Z');
  assert.equal(zonedInstant('2026-12-07', 0, 'America/Los_Angeles').toISOString(), '2026-12-07T08:00:00.000Z');
});

test('zonedInstant: an hour the clocks skip becomes the first instant after the gap, a repeated hour its first occurrence', () => {
  // Berlin, 29 March 2026: 02:00 jumps to 03:00 (UTC+1 to UTC+2).
  assert.equal(zonedInstant('2026-03-29', 2, 'Europe/Berlin').toISOString(), '2026-03-29T01:00:00.000Z');
  assert.equal(zonedInstant('2026-03-29', 3, 'Europe/Berlin').toISOString(), '2026-03-29T01:00:00.000Z');
  // New York, 1 November 2026: 01:00 happens twice (EDT, then EST); the first is 05:00 UTC.
  assert.equal(zonedInstant('2026-11-01', 1, 'America/New_York').toISOString(), '2026-11-01T05:00:00.000Z');
  assert.equal(zonedInstant('2026-11-01', 2, 'America/New_York').toISOString(), '2026-11-01T07:00:00.000Z');
});

test('localDay: the day it is in the zone, not in UTC', () => {
  assert.equal(localDay(new Date('2026-12-07T23:30:00Z'), 'Asia/Tokyo'), '2026-12-08');
  assert.equal(localDay(new Date('2026-12-07T03:00:00Z'), 'America/Los_Angeles'), '2026-12-06');
});

test('editionAt: a daily edition is due from its hour on, and a late run still composes the latest one only', () => {
  const s = daily(8, 'Europe/Berlin');
  assert.deepEqual(editionAt(s, new Date('2026-12-07T06:59:59Z')), { key: '2026-12-06', day: '2026-12-06', dueAt: '2026-12-06T07:00:00.000Z' });
  assert.deepEqual(editionAt(s, new Date('2026-12-07T07:00:00Z')), { key: '2026-12-07', day: '2026-12-07', dueAt: '2026-12-07T07:00:00.000Z' });
  // Down for three days: back on the 10th at noon, the 10th's edition is the one due.
  assert.equal(editionAt(s, new Date('2026-12-10T12:00:00Z')).key, '2026-12-10');
  assert.deepEqual(nextEditionAfter(s, new Date('2026-12-07T07:00:00Z')), { key: '2026-12-08', day: '2026-12-08', dueAt: '2026-12-08T07:00:00.000Z' });
});

test('daily editions keep the local hour across a DST change', () => {
  const s = daily(8, 'Europe/Berlin');
  const before = nextEditionAfter(s, new Date('2026-03-28T07:00:00Z'));
  assert.equal(before.dueAt, '2026-03-29T06:00:00.000Z'); // 08:00 CEST
  assert.equal(nextEditionAfter(s, new Date(before.dueAt)).dueAt, '2026-03-30T06:00:00.000Z');
});

test('weekly editions go out on their weekday and are named by its ISO week', () => {
  const s: Schedule = { frequency: 'weekly', hour: 18, weekday: 5, timeZone: 'UTC' }; // Fridays
  // Monday 7 December 2026: the latest Friday edition is 4 December's.
  assert.deepEqual(editionAt(s, new Date('2026-12-07T12:00:00Z')), { key: '2026-W49', day: '2026-12-04', dueAt: '2026-12-04T18:00:00.000Z' });
  assert.deepEqual(nextEditionAfter(s, new Date('2026-12-07T12:00:00Z')), { key: '2026-W50', day: '2026-12-11', dueAt: '2026-12-11T18:00:00.000Z' });
  // On the Friday itself, before and after the hour.
  assert.equal(editionAt(s, new Date('2026-12-11T17:59:00Z')).key, '2026-W49');
  assert.equal(editionAt(s, new Date('2026-12-11T18:00:00Z')).key, '2026-W50');
});

test('labels and descriptions read as a person would say them', () => {
  const s = daily(8, 'Europe/Berlin');
  assert.equal(describeSchedule(s), 'daily at 08:00 (Europe/Berlin)');
  assert.equal(describeSchedule({ frequency: 'weekly', hour: 18, weekday: 1, timeZone: 'UTC' }), 'weekly on Mondays at 18:00 (UTC)');
  assert.equal(editionLabel(s, editionAt(s, new Date('2026-12-07T09:00:00Z'))), 'Monday, 7 December 2026');
  const weekly: Schedule = { frequency: 'weekly', hour: 8, weekday: 1, timeZone: 'UTC' };
  assert.equal(editionLabel(weekly, editionAt(weekly, new Date('2026-12-07T09:00:00Z'))), '30 November – 6 December 2026');
});

test('isTimeZone accepts IANA zones and refuses anything else', () => {
  for (const z of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) assert.ok(isTimeZone(z), z);
  for (const z of ['', 'Mars/Olympus', 'Europe/Berlin; DROP TABLE', '../../etc/passwd', 'x'.repeat(100)]) assert.equal(isTimeZone(z), false, z);
});
