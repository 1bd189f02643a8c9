/**
 * Errors a user can cause. The CLI prints their message on one line and exits
 * with their code; anything else that escapes is an internal error (exit 3).
 *
 * Messages name the file and what is wrong: "disk.vhd: dynamic header checksum
 * mismatch at offset 0x200 (stored 0x1234, computed 0x5678)".
 */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** Bad command line or input file (missing file, corrupt image, malformed suite): exit 2. */
export class UsageError extends LabError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** Infrastructure failure (engine crash, missing firmware during a run): exit 3. */
export class InfraError extends LabError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'InfraError';
  }
}
