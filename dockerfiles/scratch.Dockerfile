FROM    golang  AS builder
WORKDIR /myapp
COPY    helloworld.go .
RUN     go env -w GO111MODULE=auto
RUN     CGO_ENABLED=0 go build -ldflags="-s -w" -o helloworld

FROM    scratch
COPY    --from=builder /myapp/helloworld /helloworld
ENTRYPOINT [ "/helloworld" ]
