import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { describeError } from './describeError.js';
import { CreateUploadUrl, MyDevices } from './operations.js';

/**
 * Uploads a photo for one of your devices: `createCaptureUploadUrl` signs a URL, the photo's bytes are PUT
 * there as they are (no base64, up to 32 MiB), and analysis runs after. A photo with a face makes a mark,
 * which arrives in the list below by subscription.
 */
export function UploadPhoto() {
  const { data } = useQuery(MyDevices);
  const [createUploadUrl] = useMutation(CreateUploadUrl);
  const [status, setStatus] = useState<{ text: string; failed?: boolean }>();
  const devices = data?.me?.account.devices.edges.map((edge) => edge.node) ?? [];

  const upload = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const photo = fields.get('photo');
    if (!(photo instanceof File) || photo.size === 0) return setStatus({ text: 'Choose a photo first.', failed: true });
    setStatus({ text: `Uploading ${photo.name}…` });
    try {
      const { data: signed } = await createUploadUrl({
        variables: { input: { deviceId: String(fields.get('deviceId')), contentType: photo.type } },
      });
      const { url, maxBytes } = signed!.createCaptureUploadUrl;
      if (photo.size > maxBytes) throw new Error(`${photo.name} is larger than ${maxBytes} bytes.`);
      const response = await fetch(url, { method: 'PUT', headers: { 'content-type': photo.type }, body: photo });
      const answer = (await response.json()) as { error?: string };
      if (!response.ok) throw new Error(answer.error ?? `The upload answered ${response.status}.`);
      form.reset();
      setStatus({ text: `Uploaded ${photo.name}: its mark appears below once analysis finds a face.` });
    } catch (err) {
      setStatus({ text: `Upload failed: ${describeError(err)}`, failed: true });
    }
  };

  return (
    <form className="card" onSubmit={upload}>
      <h2>Upload a photo</h2>
      <label>
        Device{' '}
        <select name="deviceId" required>
          {devices.map((device) => (
            <option key={device.id} value={device.id}>
              {device.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Photo <input name="photo" type="file" accept="image/jpeg,image/png,image/webp" required />
      </label>
      <button type="submit" disabled={devices.length === 0}>
        Upload
      </button>
      {status && <p role={status.failed ? 'alert' : 'status'}>{status.text}</p>}
    </form>
  );
}
