/**
 * How the results of the server's commands are shown. The server returns plain values (a summary of
 * the workspace check, Markdown for explanations); these helpers turn them into the text a
 * notification or a preview shows. No `vscode` import: unit-tested under plain Node.
 */

export interface CheckSummary {
  files: number;
  findings: number;
  byCode: Record<string, number>;
  cancelled: boolean;
}

export function isCheckSummary(value: unknown): value is CheckSummary {
  const v = value as Partial<CheckSummary> | null;
  return !!v && typeof v.files === "number" && typeof v.findings === "number" && typeof v.byCode === "object";
}

/** "mrt checked 12 migrations: 3 findings (MRT201 ×2, MRT101 ×1)." */
export function describeCheck(summary: CheckSummary): string {
  const files = `${summary.files} migration${summary.files === 1 ? "" : "s"}`;
  const head = summary.cancelled ? `mrt check cancelled after ${files}` : `mrt checked ${files}`;
  if (summary.findings === 0) {
    return `${head}: no findings.`;
  }
  const codes = Object.entries(summary.byCode)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([code, count]) => `${code} ×${count}`)
    .join(", ");
  return `${head}: ${summary.findings} finding${summary.findings === 1 ? "" : "s"} (${codes}).`;
}

export interface VerifyResult {
  ok: boolean;
  message?: string;
}

export function isVerifyResult(value: unknown): value is VerifyResult {
  return !!value && typeof (value as VerifyResult).ok === "boolean";
}
