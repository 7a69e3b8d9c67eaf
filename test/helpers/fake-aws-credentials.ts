/**
 * Sets fake AWS credentials in the process environment (the SDK's default credential chain reads them; the local
 * fake servers only check the signature's scope) and returns a function that puts the previous values back.
 */
export function useFakeAwsCredentials(): () => void {
  const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKE';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
