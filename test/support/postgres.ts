import pg from "pg";

/** Drops a schema a test or bench made for itself. */
export async function dropSchema(uri: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
