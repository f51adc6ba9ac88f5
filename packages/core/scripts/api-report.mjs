// The public API of @bounded/core as API reports (api/*.api.md), one per entry point, so a change
// to what teams build on is a visible diff. `--update` rewrites them; without it, a difference fails.
// Declarations are emitted afresh from src, so a stale dist/ can neither hide nor fake a change.
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CORE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ENTRY_POINTS = [
  { declaration: 'index.d.ts', report: 'core.api.md' },
  { declaration: 'testing/index.d.ts', report: 'core-testing.api.md' },
];
export const API_UPDATE_COMMAND = 'pnpm --filter @bounded/core api:update';

/** Writes (`update`) or checks the API reports; returns the reports that differ from the checked-in ones. */
export function apiReport({ update = false } = {}) {
  const declarations = mkdtempSync(join(tmpdir(), 'bounded-core-api-'));
  // The declarations resolve the package's dependencies as dist/ does; outside node_modules, so
  // API Extractor reads them as this package's own files.
  symlinkSync(join(CORE_DIR, 'node_modules'), join(declarations, 'node_modules'), 'dir');
  if (update) mkdirSync(join(CORE_DIR, 'api'), { recursive: true });
  try {
    const tsc = createRequire(join(CORE_DIR, 'package.json')).resolve('typescript/bin/tsc');
    const emit = ['-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--declarationMap', 'false'];
    execFileSync(process.execPath, [tsc, ...emit, '--outDir', declarations], {
      cwd: CORE_DIR,
      stdio: 'inherit',
    });
    const changed = [];
    for (const { declaration, report } of ENTRY_POINTS) {
      const config = ExtractorConfig.prepare({
        configObject: {
          projectFolder: CORE_DIR,
          mainEntryPointFilePath: join(declarations, declaration),
          compiler: {
            overrideTsconfig: {
              compilerOptions: {
                module: 'NodeNext',
                moduleResolution: 'NodeNext',
                strict: true,
                skipLibCheck: true,
                types: ['node'],
              },
              include: [join(declarations, '**/*.d.ts')],
            },
          },
          apiReport: {
            enabled: true,
            reportFileName: report,
            reportFolder: join(CORE_DIR, 'api'),
            reportTempFolder: join(declarations, 'report'),
          },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          newlineKind: 'lf',
          messages: {
            // Release tags (@public, @beta) are not used here: everything an entry point exports is public.
            extractorMessageReporting: {
              'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
            },
            tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
          },
        },
        configObjectFullPath: undefined,
        packageJsonFullPath: join(CORE_DIR, 'package.json'),
      });
      const result = Extractor.invoke(config, {
        localBuild: update,
        messageCallback(message) {
          // The report itself lists what matters; keep the console to real failures.
          if (message.logLevel !== 'error') message.handled = true;
        },
      });
      if (!result.succeeded && !result.apiReportChanged)
        throw new Error(`API report failed for ${declaration}`);
      if (result.apiReportChanged) changed.push(`api/${report}`);
    }
    return changed;
  } finally {
    rmSync(declarations, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const update = process.argv.includes('--update');
  const changed = apiReport({ update });
  if (update)
    process.stdout.write(`${changed.length ? `updated ${changed.join(', ')}` : 'API reports unchanged'}\n`);
  else if (changed.length) {
    console.error(`The public API changed (${changed.join(', ')}). If intended: ${API_UPDATE_COMMAND}`);
    process.exitCode = 1;
  } else process.stdout.write('API reports match\n');
}
