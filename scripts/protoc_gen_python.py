"""A protoc plugin that runs grpcio-tools: Python messages (_pb2.py), type stubs
(_pb2.pyi) and grpcio stubs (_pb2_grpc.py) from the files buf hands it.

grpcio-tools embeds protoc as a Python module rather than shipping plugins, so
this wrapper turns buf's CodeGeneratorRequest into a descriptor set, runs
grpc_tools.protoc on it, and returns what protoc wrote. buf.gen.yaml runs it
with the interpreter of .herald/venv (scripts/install-plugins.sh).
"""

import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    with tempfile.TemporaryDirectory() as work:
        descriptors = os.path.join(work, "descriptors.binpb")
        with open(descriptors, "wb") as f:
            f.write(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        out = os.path.join(work, "out")
        os.mkdir(out)
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"--descriptor_set_in={descriptors}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                f"--grpc_python_out={out}",
                *request.file_to_generate,
            ]
        )
        if status != 0:
            response.error = f"grpc_tools.protoc exited with {status}"
        else:
            for directory, _, files in sorted(os.walk(out)):
                for name in sorted(files):
                    path = os.path.join(directory, name)
                    with open(path, encoding="utf-8") as f:
                        response.file.add(name=os.path.relpath(path, out), content=f.read())
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
