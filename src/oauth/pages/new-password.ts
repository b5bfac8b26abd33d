import type { PageContext } from './types.ts';
import { html, type SafeHtml } from './escape.ts';
import { form, hasError, hidden, notices, pageTitle, renderDocument, submit } from './layout.ts';
import { field, type FieldSpec, passwordField } from './fields.ts';

type AttributeInput = Pick<FieldSpec, 'label' | 'type' | 'autocomplete' | 'inputmode' | 'hint' | 'verbatim'>;

/** How to ask for the standard OIDC attributes Cognito may require; others get a text input labelled from their name. */
const STANDARD_ATTRIBUTES: Readonly<Record<string, AttributeInput>> = {
  email: { label: 'Email', type: 'email', autocomplete: 'email', inputmode: 'email', verbatim: true },
  phone_number: { label: 'Phone number', type: 'tel', autocomplete: 'tel', hint: 'Include the country code, for example +12065550100.' },
  name: { label: 'Full name', type: 'text', autocomplete: 'name' },
  given_name: { label: 'Given name', type: 'text', autocomplete: 'given-name' },
  family_name: { label: 'Family name', type: 'text', autocomplete: 'family-name' },
  middle_name: { label: 'Middle name', type: 'text', autocomplete: 'additional-name' },
  nickname: { label: 'Nickname', type: 'text', autocomplete: 'nickname' },
  preferred_username: { label: 'Preferred username', type: 'text', verbatim: true },
  birthdate: { label: 'Date of birth', type: 'date', autocomplete: 'bday' },
  gender: { label: 'Gender', type: 'text', autocomplete: 'sex' },
  address: { label: 'Address', type: 'text', autocomplete: 'street-address' },
  locale: { label: 'Locale', type: 'text', autocomplete: 'language', verbatim: true },
  zoneinfo: { label: 'Time zone', type: 'text', verbatim: true },
  website: { label: 'Website', type: 'url', autocomplete: 'url', inputmode: 'url', verbatim: true },
  profile: { label: 'Profile page', type: 'url', inputmode: 'url', verbatim: true },
  picture: { label: 'Picture URL', type: 'url', inputmode: 'url', verbatim: true },
};

/** `custom:favourite_colour` → `Favourite colour`. */
function humanise(name: string): string {
  const words = name.replace(/^(?:custom|dev):/, '').replace(/[_.:-]+/g, ' ').trim();
  return words === '' ? name : words.charAt(0).toUpperCase() + words.slice(1);
}

function attributeField(name: string, index: number, describedByError: boolean): SafeHtml {
  const known = Object.hasOwn(STANDARD_ATTRIBUTES, name) ? STANDARD_ATTRIBUTES[name] : undefined;
  return field({
    ...(known ?? { label: humanise(name), type: 'text' }),
    id: `attribute-${index}`,
    name: `userAttributes.${name}`,
    required: true,
    describedByError,
  });
}

/**
 * The new-password step (FORCE_CHANGE_PASSWORD): POST `newPassword?{carry}` with `username` and `session` (hidden),
 * `password`, `confirm_password`, and one `userAttributes.<name>` input per required attribute.
 */
export function renderNewPassword(ctx: PageContext & { username: string; session: string; requiredAttributes: string[] }): string {
  const err = hasError(ctx);
  const attributes = [...new Set(ctx.requiredAttributes)];
  const body = html`<h1>Change your password</h1>
<p class="lede">${attributes.length > 0 ? 'Choose a new password and complete your profile to continue.' : 'You need to choose a new password to continue.'}</p>
${notices(ctx)}
${form(
  ctx,
  'newPassword',
  html`${hidden('username', ctx.username, 'username')}
${hidden('session', ctx.session)}
${passwordField({ id: 'password', name: 'password', label: 'New password', autocomplete: 'new-password', describedByError: err })}
${passwordField({ id: 'confirm_password', name: 'confirm_password', label: 'Confirm new password', autocomplete: 'new-password', describedByError: err })}
${attributes.map((name, i) => [attributeField(name, i, err), html`\n`])}
${submit('Change password')}`,
)}`;
  return renderDocument({ title: pageTitle('Change your password', ctx.branding), branding: ctx.branding, nonce: ctx.nonce, body });
}
