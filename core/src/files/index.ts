import type { Config } from "../env";
import type { FileStore } from "./FileStore";
import { LocalFileStore } from "./LocalFileStore";
import { SupabaseFileStore } from "./SupabaseFileStore";

export * from "./FileStore";
export * from "./LocalFileStore";
export * from "./SupabaseFileStore";

/**
 * The configured store: Supabase Storage when SUPABASE_URL and
 * SUPABASE_SERVICE_ROLE_KEY are set, local disk under UPLOAD_DIR otherwise. `kind`
 * picks a given one (a document is read back from the store that took it).
 */
export function openFileStore(config: Config, kind?: FileStore["kind"]): FileStore {
  const supabase = config.SUPABASE_URL && config.SUPABASE_SERVICE_ROLE_KEY;
  if ((kind ?? (supabase ? "supabase" : "local")) === "supabase") {
    if (!config.SUPABASE_URL || !config.SUPABASE_SERVICE_ROLE_KEY)
      throw new Error("this document is in Supabase Storage, which is not configured");
    return new SupabaseFileStore(
      config.SUPABASE_URL,
      config.SUPABASE_SERVICE_ROLE_KEY,
      config.SUPABASE_BUCKET,
    );
  }
  return new LocalFileStore(config.UPLOAD_DIR);
}
export * from "./sniff";
export * from "./zipGuard";
