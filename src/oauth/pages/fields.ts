import { html, type SafeHtml } from './escape.ts';
import { ERROR_ID } from './layout.ts';

/** One labelled input. */
export interface FieldSpec {
  /** Element id, unique in the page; the label's `for`. */
  id: string;
  name: string;
  label: string;
  type: 'text' | 'password' | 'email' | 'tel' | 'date' | 'url';
  /** An HTML autofill token (`username`, `current-password`, `one-time-code`…); omitted when undefined. */
  autocomplete?: string;
  required?: boolean;
  /** Pre-filled value. Never rendered for passwords. */
  value?: string;
  inputmode?: 'numeric' | 'email' | 'tel' | 'url' | 'text';
  /** Help text under the input, referenced by `aria-describedby`. */
  hint?: string;
  /** Whether the error region is shown and should describe this input. */
  describedByError?: boolean;
  /** For usernames, codes and addresses: no auto-capitalisation or spell checking. */
  verbatim?: boolean;
  extraClass?: string;
}

/** `<div class="field"><label for>…</label><input id …></div>`. */
export function field(spec: FieldSpec): SafeHtml {
  const hintId = spec.hint === undefined ? undefined : `${spec.id}-hint`;
  const describedBy = [hintId, spec.describedByError === true ? ERROR_ID : undefined].filter((x) => x !== undefined);
  const value = spec.type === 'password' ? undefined : spec.value;
  return html`<div class="field">
<label for="${spec.id}">${spec.label}</label>
<input class="input${spec.extraClass !== undefined && ` ${spec.extraClass}`}" id="${spec.id}" name="${spec.name}" type="${spec.type}"${
    spec.autocomplete !== undefined && html` autocomplete="${spec.autocomplete}"`
  }${spec.inputmode !== undefined && html` inputmode="${spec.inputmode}"`}${
    spec.verbatim === true && html` autocapitalize="none" spellcheck="false"`
  }${value !== undefined && value !== '' && html` value="${value}"`}${spec.required === true && html` required`}${
    describedBy.length > 0 && html` aria-describedby="${describedBy.join(' ')}"`
  }>
${hintId !== undefined && html`<p class="hint" id="${hintId}">${spec.hint}</p>`}
</div>`;
}

/** A username input. */
export function usernameField(opts: { value?: string; label?: string; describedByError: boolean; id?: string }): SafeHtml {
  return field({
    id: opts.id ?? 'username',
    name: 'username',
    label: opts.label ?? 'Username',
    type: 'text',
    autocomplete: 'username',
    required: true,
    value: opts.value,
    verbatim: true,
    describedByError: opts.describedByError,
  });
}

/** A password input: `current-password` to sign in, `new-password` to set one. */
export function passwordField(opts: {
  id: string;
  name: string;
  label: string;
  autocomplete: 'current-password' | 'new-password';
  describedByError: boolean;
}): SafeHtml {
  return field({ ...opts, type: 'password', required: true });
}

/** A verification code input; `label` and `hint` for codes that do not come by message (an authenticator app's). */
export function codeField(opts: { describedByError: boolean; label?: string; hint?: string }): SafeHtml {
  return field({
    id: 'code',
    name: 'code',
    label: opts.label ?? 'Verification code',
    ...(opts.hint !== undefined && { hint: opts.hint }),
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    required: true,
    verbatim: true,
    extraClass: 'code',
    describedByError: opts.describedByError,
  });
}
