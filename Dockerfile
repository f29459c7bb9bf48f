FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY dialogs dialogs
COPY channels channels
COPY domain domain
COPY widget widget
RUN pip install --no-cache-dir .
USER nobody
EXPOSE 8080
CMD ["careline", "serve", "--host", "0.0.0.0", "--port", "8080"]
