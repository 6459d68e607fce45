import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The stack's private report bucket (encrypted, public access blocked, objects expire after 90 days). */
export class S3ReportBucket {
  constructor(private readonly s3: S3Client, private readonly bucket: string) {}

  async put(key: string, body: string, contentType: string): Promise<string> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'AES256' }));
    return `s3://${this.bucket}/${key}`;
  }
}
