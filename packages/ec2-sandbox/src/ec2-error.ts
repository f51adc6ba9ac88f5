import { escapeXml } from './xml.js';

/** An EC2 error as the service reports it: an error code, a message and the HTTP status it travels with. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/** EC2's error document; the SDK reads `Errors.Error.Code` as the error's name. */
export function errorDocument(error: Ec2Error, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error></Errors>` +
    `<RequestID>${escapeXml(requestId)}</RequestID></Response>`
  );
}

export function invalidParameterValue(message: string): Ec2Error {
  return new Ec2Error('InvalidParameterValue', message);
}

export function missingParameter(name: string): Ec2Error {
  return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
}
