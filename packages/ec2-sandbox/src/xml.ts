// EC2 answers in XML with lowerCamel element names; these build it as strings, escaping every text value.

/** The namespace every EC2 Query API response carries. */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** `<name>value</name>` with the value escaped; nothing when the value is undefined. */
export function text(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…</name>` around children that are already XML. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** An EC2 list: `<name><item>…</item>…</name>`, each entry already XML. */
export function itemSet(name: string, items: readonly string[]): string {
  return node(name, ...items.map((item) => node('item', item)));
}

/** A whole successful response document for `action`. */
export function responseDocument(action: string, requestId: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<${action}Response xmlns="${EC2_NAMESPACE}">${text('requestId', requestId)}${body}</${action}Response>`
  );
}
