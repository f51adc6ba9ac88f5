// Families AWS lists under "previous generation instances": they cost more per unit of work than
// their successors and some are being retired, so the fleet report flags them.
const PREVIOUS_GENERATION_FAMILIES = new Set([
  't1',
  't2',
  'm1',
  'm2',
  'm3',
  'm4',
  'c1',
  'c3',
  'c4',
  'r3',
  'r4',
  'i2',
  'd2',
  'g2',
  'g3',
  'p2',
  'x1',
  'x1e',
]);

/** Successors worth suggesting for a previous-generation family. */
const SUCCESSOR: Readonly<Record<string, string>> = {
  t2: 't3',
  m3: 'm5',
  m4: 'm5',
  c3: 'c5',
  c4: 'c5',
  r3: 'r5',
  r4: 'r5',
};

/** True for an instance type of a previous-generation family (`t2.micro`, `m4.large`). */
export function isPreviousGeneration(type: string): boolean {
  return PREVIOUS_GENERATION_FAMILIES.has(type.split('.')[0] ?? '');
}

/** The same size in the successor family (`m4.large` → `m5.large`), if there is an obvious one. */
export function successorOf(type: string): string | undefined {
  const [family, size] = type.split('.');
  const next = family === undefined ? undefined : SUCCESSOR[family];
  return next && size ? `${next}.${size}` : undefined;
}
