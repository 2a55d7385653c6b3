FROM    alpine
WORKDIR /myapp
COPY    helloworld .
ENTRYPOINT [ "./helloworld" ]
