/**
 * Errors the engine raises for bad input it was given (a corrupt or truncated
 * image, a missing firmware file, an invalid machine config). The harness
 * turns them into one clear line and exit code 2; they are never repaired
 * silently. `file` and `offset` locate the problem when they are known.
 */
export class EngineInputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'EngineInputError';
  }
}
