package main
import (
 _ "github.com/hashicorp/go-plugin"
 _ "github.com/hashicorp/go-hclog"
 _ "google.golang.org/grpc"
 _ "google.golang.org/protobuf/proto"
 _ "github.com/jackc/pgx/v5"
 _ "github.com/rabbitmq/amqp091-go"
 _ "github.com/redis/go-redis/v9"
 _ "github.com/go-chi/chi/v5"
 _ "github.com/shopspring/decimal"
 _ "github.com/golang-jwt/jwt/v5"
 _ "golang.org/x/crypto/bcrypt"
 _ "github.com/google/uuid"
 _ "github.com/stretchr/testify/require"
)
func main(){}
