import { Type, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

/**
 * A string-literal union written as JSON Schema `enum`. Why not `Type.Union` of literals: that
 * becomes an `anyOf` of `const`s, so one wrong value yields an issue per branch; `enum` yields one
 * issue that lists the allowed values, and reads better in the generated schemas.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}
