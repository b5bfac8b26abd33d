import { InvalidParameterException } from '../errors.ts';
import type { Attributes, SchemaAttribute, User, UserPoolClient, UserPoolSettings } from './model.ts';

export interface AttributeInput {
  Name: string;
  Value?: string;
}

const MAX_VALUE_LENGTH = 2048;

/** Turns Cognito's `[{Name, Value}]` into a map, refusing duplicates. */
export function toAttributeMap(list: AttributeInput[] | undefined): Attributes {
  // No prototype, so `__proto__` or `constructor` is an ordinary (and then unknown) name, not a duplicate.
  const out: Attributes = Object.create(null);
  for (const { Name, Value } of list ?? []) {
    if (Object.hasOwn(out, Name)) throw new InvalidParameterException(`Duplicate attribute name: ${Name}`);
    out[Name] = Value ?? '';
  }
  return out;
}

export function toAttributeList(attributes: Attributes): Array<{ Name: string; Value: string }> {
  return Object.entries(attributes).map(([Name, Value]) => ({ Name, Value }));
}

function schemaOf(settings: UserPoolSettings, name: string): SchemaAttribute | undefined {
  return settings.SchemaAttributes.find((a) => a.Name === name);
}

/**
 * Checks attributes a caller wants to write against the pool's schema: they must exist, be mutable
 * (unless this is creation), fit their type and length. `sub` is never writable.
 */
export function assertWritableAttributes(settings: UserPoolSettings, attributes: Attributes, opts: { creating: boolean }): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'sub') throw new InvalidParameterException('Cannot modify an immutable attribute: sub');
    const schema = schemaOf(settings, name);
    if (!schema) throw new InvalidParameterException(`Attribute does not exist in the schema: ${name}`);
    if (!opts.creating && schema.Mutable === false) throw new InvalidParameterException(`Cannot modify an immutable attribute: ${name}`);
    if (value.length > MAX_VALUE_LENGTH) throw new InvalidParameterException(`Attribute value for ${name} must not exceed ${MAX_VALUE_LENGTH} characters`);
    const max = Number(schema.StringAttributeConstraints?.MaxLength ?? MAX_VALUE_LENGTH);
    if (schema.AttributeDataType === 'String' && value.length > max) {
      throw new InvalidParameterException(`String attribute ${name} exceeds its maximum length of ${max}`);
    }
    if (schema.AttributeDataType === 'Boolean' && value !== 'true' && value !== 'false') {
      throw new InvalidParameterException(`Invalid value for boolean attribute ${name}: must be true or false`);
    }
    if (schema.AttributeDataType === 'Number' && value !== '' && !Number.isFinite(Number(value))) {
      throw new InvalidParameterException(`Invalid value for number attribute ${name}`);
    }
    if (name === 'email' && value !== '' && !/^[^\s@]+@[^\s@]+$/.test(value)) throw new InvalidParameterException('Invalid email address format.');
    if (name === 'phone_number' && value !== '' && !/^\+[0-9]{4,15}$/.test(value)) throw new InvalidParameterException('Invalid phone number format.');
  }
}

/** Required attributes the pool's schema asks for that are missing. */
export function assertRequiredAttributes(settings: UserPoolSettings, attributes: Attributes): void {
  for (const a of settings.SchemaAttributes) {
    if (a.Required && a.Name !== 'sub' && !attributes[a.Name]) {
      throw new InvalidParameterException(`Attributes did not conform to the schema: ${a.Name}: The attribute ${a.Name} is required`);
    }
  }
}

/** Adds custom attributes (`custom:` prefixed) and options for standard ones from CreateUserPool's `Schema`. */
export function mergeSchema(base: SchemaAttribute[], additions: Array<Partial<SchemaAttribute> & { Name: string }> | undefined): SchemaAttribute[] {
  const out = base.map((a) => ({ ...a }));
  for (const add of additions ?? []) {
    const existing = out.find((a) => a.Name === add.Name || a.Name === `custom:${add.Name}`);
    if (existing && !existing.Name.startsWith('custom:')) {
      Object.assign(existing, { Required: add.Required ?? existing.Required, Mutable: add.Mutable ?? existing.Mutable });
      if (add.StringAttributeConstraints) existing.StringAttributeConstraints = add.StringAttributeConstraints;
      continue;
    }
    if (existing) throw new InvalidParameterException(`Existing attribute already has name ${existing.Name}.`);
    if (!/^[\w.:-]{1,20}$/.test(add.Name)) throw new InvalidParameterException(`Invalid custom attribute name: ${add.Name}`);
    if (add.Required) throw new InvalidParameterException('Required custom attributes are not supported currently.');
    const prefix = add.DeveloperOnlyAttribute ? 'dev:custom:' : 'custom:';
    out.push({
      Name: prefix + add.Name,
      AttributeDataType: add.AttributeDataType ?? 'String',
      DeveloperOnlyAttribute: add.DeveloperOnlyAttribute ?? false,
      Mutable: add.Mutable ?? true,
      Required: false,
      ...(add.AttributeDataType === 'Number'
        ? { NumberAttributeConstraints: add.NumberAttributeConstraints ?? {} }
        : { StringAttributeConstraints: add.StringAttributeConstraints ?? { MaxLength: '2048' } }),
    });
  }
  return out;
}

/**
 * The attributes an app client may read: its ReadAttributes when it lists any (`sub` always), and
 * never developer-only ones.
 */
export function readableAttributes(user: User, client: UserPoolClient | undefined): Attributes {
  const readable = client?.settings.ReadAttributes;
  const out: Attributes = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name.startsWith('dev:')) continue;
    if (readable && readable.length > 0 && name !== 'sub' && !readable.includes(name)) continue;
    out[name] = value;
  }
  return out;
}
