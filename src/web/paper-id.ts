// What the paper page and the JSON API say about ids they cannot use.
import { truncate } from './errors.ts';

export const ACCEPTED_ID_FORMS = [
  '2207.06389',
  '2207.06389v2',
  'arXiv:2207.06389',
  'hep-th/9901001',
  'math.GT/0309136',
  'https://arxiv.org/abs/2207.06389',
];

export function invalidIdMessage(raw: string): string {
  return `"${truncate(raw, 80)}" is not an arXiv id. Accepted forms: ${ACCEPTED_ID_FORMS.join(', ')}.`;
}

export function notInHubMessage(id: string): string {
  return `Paper ${id} is not in this hub. Fetch it from arXiv with: npx paperboy fetch ${id}`;
}
