/** A mistake the user can fix, in both languages; the CLI prints it without a stack trace. */
export class UserError extends Error {
  constructor(readonly en: string, readonly zh: string) {
    super(en);
  }
}
