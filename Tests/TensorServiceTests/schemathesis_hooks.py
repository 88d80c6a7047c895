"""Schemathesis hooks (SCHEMATHESIS_HOOKS=schemathesis_hooks): the binary tensor bodies
(.npy, safetensors) are sent as raw bytes, as application/octet-stream is."""
import schemathesis

schemathesis.serializer.alias(["application/x-npy", "application/x-safetensors"], "application/octet-stream")
