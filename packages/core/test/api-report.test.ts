// The public API (what `@bounded/core` and `@bounded/core/testing` export) is recorded in api/*.api.md,
// so a breaking change shows up as a diff in review rather than in another team's build.
import { expect, it } from 'vitest';
import { API_UPDATE_COMMAND, apiReport } from '../scripts/api-report.mjs';

it('matches the recorded public API', () => {
  const changed = apiReport();
  expect(
    changed,
    `The public API of @bounded/core differs from ${changed.join(', ')}. If the change is intended, run ` +
      `\`${API_UPDATE_COMMAND}\` and commit the updated reports (review them with \`git diff packages/core/api\`).`,
  ).toEqual([]);
}, 240_000);
